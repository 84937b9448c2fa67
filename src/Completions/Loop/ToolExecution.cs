using McpSubAgent.Completions.Events;

namespace McpSubAgent.Completions.Loop;

/// <summary>The end of one tool call: the text the model gets and the markdown the person sees.</summary>
internal sealed record ToolExecution(ToolCallInfo Call, ToolCallStatus Status, string ResultForModel, string Markdown, TimeSpan Duration);
