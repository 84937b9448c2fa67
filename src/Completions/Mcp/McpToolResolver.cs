using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Requests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// Resolves all MCP servers of a request concurrently: checks each URL against the SSRF guard, asks the credential
/// port, connects through the pool and lists the tools, then names them for the model.
/// </summary>
internal sealed partial class McpToolResolver(
    McpConnectionPool pool,
    ServerUrlGuard guard,
    IMcpCredentialProvider credentials,
    IOptions<CompletionsOptions> options,
    ILogger<McpToolResolver> logger)
{
    /// <summary>What resolving one server came to.</summary>
    internal abstract record ServerOutcome
    {
        public sealed record Connected(McpConnection Connection, IReadOnlyList<Tool> Tools) : ServerOutcome;

        public sealed record NeedsLogin(McpLoginLink Link) : ServerOutcome;

        public sealed record Failed(string Message) : ServerOutcome;
    }

    public async Task<ResolvedMcpServers> ResolveAsync(
        CompletionRunRequest request, string userKey, string? profile, CancellationToken cancellationToken)
    {
        var servers = request.McpServers;

        // Refuse forbidden URLs before touching any server, so a bad request has no side effects.
        await Task.WhenAll(servers.Select((s, i) => guard.EnsureAllowedAsync(s.ServerUrl, $"tools[{i}].server_url", cancellationToken))).ConfigureAwait(false);

        var outcomes = await Task.WhenAll(servers.Select(s => ResolveServerAsync(s, userKey, profile, cancellationToken))).ConfigureAwait(false);

        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in request.CallerTools.OfType<System.Text.Json.Nodes.JsonObject>())
        {
            if (tool["function"]?["name"] is System.Text.Json.Nodes.JsonValue name && name.TryGetValue(out string? callerName))
            {
                taken.Add(callerName);
            }
        }

        var prefixes = McpToolNamer.ServerPrefixes(servers);
        var tools = new List<ResolvedMcpTool>();
        var logins = new List<McpLoginLink>();
        var problems = new List<McpServerProblem>();
        for (var i = 0; i < servers.Count; i++)
        {
            switch (outcomes[i])
            {
                case ServerOutcome.Connected connected:
                    var session = new McpServerSession(connected.Connection);
                    foreach (var tool in connected.Tools.Where(t => servers[i].AllowedTools?.Contains(t.Name) ?? true))
                    {
                        var name = McpToolNamer.Allocate(prefixes[i], servers[i].ServerUrl, tool.Name, taken);
                        tools.Add(new ResolvedMcpTool(name, servers[i], session, tool));
                    }

                    break;
                case ServerOutcome.NeedsLogin login:
                    logins.Add(login.Link);
                    break;
                case ServerOutcome.Failed failed:
                    problems.Add(new McpServerProblem(servers[i].ServerUrl, failed.Message));
                    break;
            }
        }

        return new ResolvedMcpServers(tools, logins, problems);
    }

    /// <summary>Waits until every login of <paramref name="logins"/> has completed, for at most <paramref name="timeout"/> in all.</summary>
    public async Task<bool> WaitForLoginsAsync(
        CompletionRunRequest request, IReadOnlyList<McpLoginLink> logins, string userKey, string? profile, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var waits = logins.Select(login =>
        {
            var server = request.McpServers.First(s => s.ServerUrl == login.ServerUrl);
            return credentials.WaitForLoginAsync(new McpCredentialRequest(userKey, profile, server.ServerUrl, server.Headers), timeout, cancellationToken).AsTask();
        });
        var completed = await Task.WhenAll(waits).ConfigureAwait(false);
        return completed.All(done => done);
    }

    /// <summary>
    /// After the server refused a call on <paramref name="refused"/> (401, or 403 asking for a wider scope): asks the
    /// credential port once more with the refused value and the server's challenge, and connects again with its answer.
    /// </summary>
    public async Task<ServerOutcome> ReauthorizeAsync(McpServerSpec server, McpConnection refused, CancellationToken cancellationToken)
    {
        var request = new McpCredentialRequest(refused.Key.UserKey, refused.Key.Profile, server.ServerUrl, server.Headers)
        {
            RejectedAuthorization = refused.Authorization ?? "",
            Challenge = refused.Challenges.LastChallenge,
        };
        return await ConnectAgainAsync(server, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After the server dropped the session of <paramref name="broken"/> (it restarted, or expired the session): asks
    /// the credential port as for a new run and opens a new session.
    /// </summary>
    public async Task<ServerOutcome> ReconnectAsync(McpServerSpec server, McpConnection broken, CancellationToken cancellationToken)
    {
        var request = new McpCredentialRequest(broken.Key.UserKey, broken.Key.Profile, server.ServerUrl, server.Headers);
        return await ConnectAgainAsync(server, request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ServerOutcome> ConnectAgainAsync(McpServerSpec server, McpCredentialRequest request, CancellationToken cancellationToken)
    {
        var credential = await credentials.GetCredentialAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ConnectAsync(server, credential, request, cancellationToken).ConfigureAwait(false);
        }
        catch (McpUnauthorizedException again)
        {
            return new ServerOutcome.Failed($"{server.ServerUrl} requires authentication ({again.Message})");
        }
    }

    private async Task<ServerOutcome> ResolveServerAsync(
        McpServerSpec server, string userKey, string? profile, CancellationToken cancellationToken)
    {
        var credentialRequest = new McpCredentialRequest(userKey, profile, server.ServerUrl, server.Headers);
        var credential = await credentials.GetCredentialAsync(credentialRequest, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ConnectAsync(server, credential, credentialRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (McpUnauthorizedException unauthorized)
        {
            // Once: the port may refresh the token or answer with a login link.
            var retry = await credentials.GetCredentialAsync(credentialRequest with
            {
                RejectedAuthorization = (credential as McpCredential.Ready)?.Authorization ?? "",
                Challenge = unauthorized.Challenge,
            }, cancellationToken).ConfigureAwait(false);
            try
            {
                return await ConnectAsync(server, retry, credentialRequest, cancellationToken).ConfigureAwait(false);
            }
            catch (McpUnauthorizedException again)
            {
                return new ServerOutcome.Failed($"{server.ServerUrl} requires authentication ({again.Message})");
            }
        }
    }

    private async Task<ServerOutcome> ConnectAsync(
        McpServerSpec server, McpCredential credential, McpCredentialRequest request, CancellationToken cancellationToken)
    {
        switch (credential)
        {
            case McpCredential.LoginRequired login:
                return new ServerOutcome.NeedsLogin(new McpLoginLink(server.ServerUrl, login.LoginUrl));
            case McpCredential.Unavailable unavailable:
                return new ServerOutcome.Failed(unavailable.Reason);
        }

        var headers = new Dictionary<string, string>(server.Headers, StringComparer.OrdinalIgnoreCase);
        if ((credential as McpCredential.Ready)?.Authorization is { } authorization)
        {
            headers["Authorization"] = authorization;
        }

        var key = McpConnectionPool.KeyFor(request.UserKey, request.Profile, server.ServerUrl, headers);
        for (var attempt = 1; ; attempt++)
        {
            McpConnection? connection = null;
            try
            {
                connection = await pool.GetAsync(key, headers, cancellationToken).ConfigureAwait(false);
                var tools = await connection.GetToolsAsync(options.Value.ToolListCacheDuration, cancellationToken).ConfigureAwait(false);
                return new ServerOutcome.Connected(connection, tools);
            }
            catch (Exception ex) when (ex is not McpUnauthorizedException
                && (McpErrors.IsExpected(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)))
            {
                if (connection is not null)
                {
                    connection.MarkBroken();
                    pool.Evict(connection);
                }

                // A server may ask for a login only after initialize (on tools/list): its challenge counts as at connect.
                if (McpErrors.IsUnauthorized(ex) || (McpErrors.IsForbidden(ex) && connection?.Challenges.InsufficientScope == true))
                {
                    throw new McpUnauthorizedException(server.ServerUrl, connection?.Challenges.LastChallenge, ex);
                }

                // A pooled session may have died with its server's restart: one fresh attempt.
                if (connection is not null && attempt == 1 && McpErrors.IsTransportFailure(ex))
                {
                    continue;
                }

                LogServerUnavailable(logger, server.ServerUrl, ex);
                return new ServerOutcome.Failed($"Could not reach the MCP server {server.ServerUrl}: {McpErrors.Describe(ex, options.Value.IncludeDetailedErrors)}");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {ServerUrl} is unavailable")]
    private static partial void LogServerUnavailable(ILogger logger, Uri serverUrl, Exception exception);
}
