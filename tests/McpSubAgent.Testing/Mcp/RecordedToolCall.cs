namespace McpSubAgent.Testing.Mcp;

/// <summary>A tools/call request as <see cref="TestMcpServer"/> received it (recorded before the tool runs).</summary>
/// <param name="ToolName">The requested tool name, even if no such tool exists.</param>
/// <param name="ArgumentsJson">The raw <c>arguments</c> object as JSON ("{}" when absent).</param>
/// <param name="Authorization">The Authorization header of the HTTP request that carried the call, if any.</param>
/// <param name="At">When the call arrived, per <see cref="TestMcpServerOptions.TimeProvider"/>.</param>
public sealed record RecordedToolCall(string ToolName, string ArgumentsJson, string? Authorization, DateTimeOffset At);
