namespace McpSubAgent.Completions.Events;

/// <summary>An MCP tool call began.</summary>
public sealed record ToolCallStarted(ToolCallInfo Call) : CompletionEvent;
