using McpSubAgent.Completions.Events;

namespace McpSubAgent.Completions.Usage;

/// <summary>One tool call of a run, for usage observers.</summary>
public sealed record ToolCallReport(string ToolName, Uri ServerUrl, int Round, ToolCallStatus Status, TimeSpan Duration);
