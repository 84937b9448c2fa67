namespace McpSubAgent.Completions.Events;

/// <summary>
/// The run was accepted (the request is valid, the MCP servers are resolved, no login is missing) and the first
/// upstream call is next. Streaming hosts send their response headers now instead of waiting for the model.
/// </summary>
/// <param name="RunId">The completion id.</param>
public sealed record RunStarted(string RunId) : CompletionEvent;
