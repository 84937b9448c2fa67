using McpSubAgent.Completions.Credentials;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Mcp;

/// <summary>What a run would find at one MCP server for one user: its tools, a login to complete, or a problem.</summary>
/// <param name="Tools">The server's tools; empty when it needs a login or has a problem.</param>
/// <param name="LoginLink">The login the user must complete first, if any.</param>
/// <param name="Problem">Why the tools cannot be offered (unreachable, refused), in words for the person; null when there is none.</param>
public sealed record McpServerStatus(IReadOnlyList<Tool> Tools, McpLoginLink? LoginLink, string? Problem);
