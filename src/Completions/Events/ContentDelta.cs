namespace McpSubAgent.Completions.Events;

/// <summary>Text of the answer: the model's own words as they stream in, or markdown about tool calls and logins.</summary>
/// <param name="Text">The text to append to the answer.</param>
/// <param name="FromModel">True for the model's words; false for text the engine wrote.</param>
public sealed record ContentDelta(string Text, bool FromModel) : CompletionEvent;
