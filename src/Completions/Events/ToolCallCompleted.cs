namespace McpSubAgent.Completions.Events;

/// <summary>An MCP tool call ended; failures are results too, which the model sees.</summary>
/// <param name="Call">The call.</param>
/// <param name="Status">How it ended.</param>
/// <param name="Result">The text the model receives.</param>
/// <param name="Duration">How long the call took.</param>
public sealed record ToolCallCompleted(ToolCallInfo Call, ToolCallStatus Status, string Result, TimeSpan Duration) : CompletionEvent;
