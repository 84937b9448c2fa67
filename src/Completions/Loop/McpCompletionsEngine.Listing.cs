using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.Completions.Loop;

/// <summary>The listing of a run's MCP servers as an event, for hosts that show it.</summary>
public sealed partial class McpCompletionsEngine
{
    private static McpToolsListed ToolsListed(IReadOnlyList<McpServerSpec> servers, ResolvedMcpServers resolved) => new(
    [
        .. servers.Select(server => new McpServerTools(
            server,
            [.. resolved.Tools.Where(t => ReferenceEquals(t.Server, server)).Select(t => t.Tool)],
            resolved.Problems.FirstOrDefault(p => p.ServerUrl == server.ServerUrl)?.Message)),
    ]);
}
