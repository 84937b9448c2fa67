using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.Completions.Mcp;

/// <summary>What resolving a request's MCP servers gave: tools to offer, logins needed, and servers that failed.</summary>
internal sealed record ResolvedMcpServers(
    IReadOnlyList<ResolvedMcpTool> Tools,
    IReadOnlyList<McpLoginLink> LoginLinks,
    IReadOnlyList<McpServerProblem> Problems);

/// <summary>A server whose tools cannot be offered, with the reason shown to the person.</summary>
internal sealed record McpServerProblem(Uri ServerUrl, string Message);
