using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Events;

/// <summary>
/// The model asked for MCP tool calls, and none has been made yet. Hosts that keep transcripts store
/// <paramref name="AssistantMessage"/> now (before their handler returns), so that a call still under way when the
/// process dies is known when the run resumes and is not silently made twice.
/// </summary>
/// <param name="Round">The round number, from 1.</param>
/// <param name="AssistantMessage">The model's message with its <c>tool_calls</c>.</param>
public sealed record ToolRoundStarting(int Round, JsonObject AssistantMessage) : CompletionEvent;
