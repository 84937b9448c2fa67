namespace McpSubAgent.Completions.Events;

/// <summary>
/// Nothing happened for a keep-alive interval (a long tool call, a thinking model). Added by
/// <see cref="KeepAliveEvents.WithKeepAlivesAsync"/>, never by the engine itself; hosts send their own form of a
/// heartbeat (an SSE comment, an MCP progress notification).
/// </summary>
/// <param name="Silence">How long the run has been silent.</param>
public sealed record KeepAlive(TimeSpan Silence) : CompletionEvent;
