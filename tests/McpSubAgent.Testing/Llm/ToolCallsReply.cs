namespace McpSubAgent.Testing.Llm;

/// <summary>An assistant message that requests tool calls, optionally with leading content.</summary>
public sealed record ToolCallsReply(IReadOnlyList<LlmToolCall> Calls) : LlmReply
{
    /// <summary>Text sent before the tool calls (null in non-streaming JSON when absent).</summary>
    public string? Content { get; init; }

    public LlmUsage Usage { get; init; } = TextReply.DefaultUsage;

    public string FinishReason { get; init; } = "tool_calls";
}
