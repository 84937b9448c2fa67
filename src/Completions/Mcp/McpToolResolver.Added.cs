using McpSubAgent.Completions.Requests;

namespace McpSubAgent.Completions.Mcp;

internal sealed partial class McpToolResolver
{
    /// <summary>
    /// Resolves one server added during a run (by the <c>mcp_search</c> tool): the SSRF guard, the credential port, a
    /// pooled connection and its tools, named so that they clash with none of <paramref name="taken"/> (which gets them).
    /// A forbidden address is a problem of that server, not an invalid request: the run goes on without it.
    /// </summary>
    public async Task<ResolvedMcpServers> ResolveAddedAsync(
        McpServerSpec server, string userKey, string? profile, ISet<string> taken, CancellationToken cancellationToken)
    {
        try
        {
            await guard.EnsureAllowedAsync(server.ServerUrl, "server_url", cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidRequestException forbidden)
        {
            return new ResolvedMcpServers([], [], [new McpServerProblem(server.ServerUrl, forbidden.Message)]);
        }

        switch (await ResolveServerAsync(server, userKey, profile, cancellationToken).ConfigureAwait(false))
        {
            case ServerOutcome.Connected connected:
                var prefix = McpToolNamer.ServerPrefixes([server])[0];
                var session = new McpServerSession(connected.Connection);
                var tools = connected.Tools
                    .Select(tool => new ResolvedMcpTool(McpToolNamer.Allocate(prefix, server.ServerUrl, tool.Name, taken), server, session, tool))
                    .ToList();
                return new ResolvedMcpServers(tools, [], []);
            case ServerOutcome.NeedsLogin login:
                return new ResolvedMcpServers([], [login.Link], []);
            case ServerOutcome.Failed failed:
                return new ResolvedMcpServers([], [], [new McpServerProblem(server.ServerUrl, failed.Message)]);
            default:
                throw new InvalidOperationException("Unknown outcome of resolving a server.");
        }
    }
}
