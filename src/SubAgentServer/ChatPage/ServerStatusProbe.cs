using System.Text.Json.Nodes;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>
/// Finds a server's status for a person as a run would: through the engine's resolver, so the same SSRF guard,
/// credential port (the login broker, which hands out a fresh login link when one is needed) and connection pool apply.
/// </summary>
internal sealed partial class ServerStatusProbe(McpToolResolver resolver, TimeProvider timeProvider, ILogger<ServerStatusProbe> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<ServerStatusView> ProbeAsync(ChatServer server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var deadline = new CancellationTokenSource(Timeout, timeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var request = ChatCompletionRequestParser.Parse(new JsonObject
            {
                ["model"] = "status",
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "status" }),
                ["tools"] = new JsonArray(new JsonObject { ["type"] = "mcp", ["server_url"] = server.Url }),
            });
            var resolved = await resolver.ResolveAsync(request, server.UserKey, null, timeout.Token);
            if (resolved.LoginLinks is [var login, ..])
            {
                return new ServerStatusView(server.Id, server.Url, ServerStatusView.NeedsLogin, null, login.Url.AbsoluteUri, null);
            }

            if (resolved.Problems is [var problem, ..])
            {
                return Unreachable(server, problem.Message);
            }

            var tools = resolved.Tools.Select(t => new ToolView(t.Tool.Name, t.Tool.Description)).ToList();
            return new ServerStatusView(server.Id, server.Url, ServerStatusView.Connected, tools, null, null);
        }
        catch (InvalidRequestException ex)
        {
            return Unreachable(server, ex.Message);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Unreachable(server, $"The server did not answer within {Timeout.TotalSeconds:0} seconds.");
        }
    }

    private ServerStatusView Unreachable(ChatServer server, string reason)
    {
        LogUnreachable(logger, server.Url, reason);
        return new ServerStatusView(server.Id, server.Url, ServerStatusView.Unreachable, null, null, reason);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chat page server {ServerUrl} is unreachable: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string serverUrl, string reason);
}
