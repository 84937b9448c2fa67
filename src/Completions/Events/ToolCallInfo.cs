namespace McpSubAgent.Completions.Events;

/// <summary>One MCP tool call the model made.</summary>
/// <param name="Id">The model's tool call id.</param>
/// <param name="FunctionName">The function name the model used.</param>
/// <param name="ToolName">The tool's own name on its server.</param>
/// <param name="ServerUrl">The server that runs the tool.</param>
/// <param name="Arguments">The arguments as JSON text.</param>
/// <param name="Round">The round (1-based) the call belongs to.</param>
public sealed record ToolCallInfo(string Id, string FunctionName, string ToolName, Uri ServerUrl, string Arguments, int Round);
