using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Events;

/// <summary>
/// The model called tools the caller defined; they go back to the caller unchanged (OpenAI's <c>tool_calls</c> form,
/// renumbered from index 0), and the run ends with <c>finish_reason: "tool_calls"</c>.
/// </summary>
public sealed record ClientToolCallsRequested(JsonArray ToolCalls) : CompletionEvent;
