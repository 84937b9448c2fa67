using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.Completions.Events;

/// <summary>The run needs the user to log in to these servers first; the model was not called.</summary>
public sealed record LoginRequired(IReadOnlyList<McpLoginLink> Links) : CompletionEvent;
