namespace McpSubAgent.Testing.Llm;

/// <summary>A plain assistant message.</summary>
public sealed record TextReply(string Content) : LlmReply
{
    internal static readonly LlmUsage DefaultUsage = new(10, 5);

    public LlmUsage Usage { get; init; } = DefaultUsage;

    /// <summary>The finish reason to report; "length" or "content_filter" can be scripted here.</summary>
    public string FinishReason { get; init; } = "stop";
}
