using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>
/// The structured result of a sub-agent run (<c>structuredContent</c> of <c>run_agent</c>). Its
/// <see cref="AgentRunState.Status"/> is <c>completed</c>, <c>auth_required</c>, <c>approval_required</c> or <c>failed</c>.
/// </summary>
internal sealed record AgentRunResult : AgentRunState
{
    /// <summary>Every MCP tool call of the run.</summary>
    [JsonPropertyName("tool_calls")]
    [JsonPropertyOrder(5)]
    public IReadOnlyList<AgentToolCall> ToolCalls { get; init; } = [];
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
