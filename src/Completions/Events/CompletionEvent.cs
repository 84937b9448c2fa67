namespace McpSubAgent.Completions.Events;

/// <summary>
/// Something that happened in a run, in order. Hosts project the events onto their own output: OpenAI chunks, a
/// <c>chat.completion</c> object, MCP progress notifications, a stored task transcript.
/// </summary>
public abstract record CompletionEvent;
