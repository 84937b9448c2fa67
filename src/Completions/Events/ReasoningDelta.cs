namespace McpSubAgent.Completions.Events;

/// <summary>
/// Reasoning text of the model as it streams in, from providers that send it beside the answer (<c>reasoning_content</c>
/// or <c>reasoning</c> in the chunks' delta). Not part of the answer: hosts that show reasoning (the Responses API's
/// <c>reasoning</c> items) project it, others ignore it.
/// </summary>
/// <param name="Text">The reasoning text to append.</param>
public sealed record ReasoningDelta(string Text) : CompletionEvent;
