using McpSubAgent.Completions.Approvals;

namespace McpSubAgent.Completions.Requests;

/// <summary>One remote MCP server that a request names, as a <c>{type:"mcp"}</c> tool entry or in front matter.</summary>
/// <param name="ServerUrl">The streamable-HTTP endpoint of the server.</param>
/// <param name="Label">The caller's <c>server_label</c>, used in tool names instead of the host.</param>
/// <param name="AllowedTools">When set, only these tools of the server are offered to the model.</param>
/// <param name="Headers">Extra HTTP headers sent to this server only.</param>
public sealed record McpServerSpec(
    Uri ServerUrl,
    string? Label,
    IReadOnlySet<string>? AllowedTools,
    IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>Which of the server's tools need a person's approval before they run (<c>require_approval</c>).</summary>
    public McpApprovalPolicy RequireApproval { get; init; } = McpApprovalPolicy.NeverRequired;
}
