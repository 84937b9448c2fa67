using System.Text.Json.Nodes;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Events;

/// <summary>A tool round ended: the model's message and the tool results were appended to the conversation.</summary>
/// <param name="Round">The round number, from 1.</param>
/// <param name="Usage">The tokens of this round's upstream call.</param>
/// <param name="AppendedMessages">The messages this round added (assistant message, then tool messages), for transcripts.</param>
public sealed record RoundCompleted(int Round, TokenUsage Usage, IReadOnlyList<JsonObject> AppendedMessages) : CompletionEvent;
