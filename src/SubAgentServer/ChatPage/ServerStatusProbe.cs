using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>
/// Finds a server's status for a person as a run would: through the engine's resolver, so the same SSRF guard,
/// credential port (the login broker, which hands out a fresh login link when one is needed) and connection pool apply.
/// </summary>
internal sealed partial class ServerStatusProbe(McpServerProbe probe, TimeProvider timeProvider, ILogger<ServerStatusProbe> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<ServerStatusView> ProbeAsync(ChatServer server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!Uri.TryCreate(server.Url, UriKind.Absolute, out var serverUrl))
        {
            return Unreachable(server, "The server URL is not an absolute URL.");
        }

        using var deadline = new CancellationTokenSource(Timeout, timeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var status = await probe.ProbeAsync(serverUrl, server.UserKey, timeout.Token);
            if (status.LoginLink is { } login)
            {
                return new ServerStatusView(server.Id, server.Url, ServerStatusView.NeedsLogin, null, login.Url.AbsoluteUri, null);
            }

            if (status.Problem is { } problem)
            {
                return Unreachable(server, problem);
            }

            var tools = status.Tools.Select(t => new ToolView(t.Name, t.Description)).ToList();
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
