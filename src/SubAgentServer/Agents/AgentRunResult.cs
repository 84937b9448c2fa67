using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>The structured result of a sub-agent run (<c>structuredContent</c> of <c>run_agent</c>).</summary>
internal sealed record AgentRunResult
{
    /// <summary><c>completed</c>, <c>auth_required</c>, <c>approval_required</c> or <c>failed</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The answer in markdown, with each tool call and result.</summary>
    [JsonPropertyName("output")]
    public string Output { get; init; } = "";

    /// <summary>The logins needed before the run can use its MCP servers.</summary>
    [JsonPropertyName("login_links")]
    public IReadOnlyList<AgentLoginLink> LoginLinks { get; init; } = [];

    /// <summary>The tool calls that wait for the user's approval (status <c>approval_required</c>).</summary>
    [JsonPropertyName("approvals")]
    public IReadOnlyList<AgentApproval> Approvals { get; init; } = [];

    /// <summary>Every MCP tool call of the run.</summary>
    [JsonPropertyName("tool_calls")]
    public IReadOnlyList<AgentToolCall> ToolCalls { get; init; } = [];

    /// <summary>Tokens over all rounds.</summary>
    [JsonPropertyName("usage")]
    public AgentUsage Usage { get; init; } = new(0, 0, 0);

    /// <summary>Why the run failed, when it did.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }
}

/// <summary>A login link for one MCP server.</summary>
internal sealed record AgentLoginLink([property: JsonPropertyName("server_url")] string ServerUrl, [property: JsonPropertyName("url")] string Url);

/// <summary>A tool call held for the user's approval, and the page where they approve or deny it.</summary>
internal sealed record AgentApproval(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("server_url")] string ServerUrl,
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("arguments")] string Arguments,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt);

/// <summary>One MCP tool call of a run.</summary>
internal sealed record AgentToolCall(
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("server_url")] string ServerUrl,
    [property: JsonPropertyName("round")] int Round,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("duration_ms")] long DurationMs);

/// <summary>Token usage in OpenAI's terms.</summary>
internal sealed record AgentUsage(
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens,
    [property: JsonPropertyName("total_tokens")] long TotalTokens);
