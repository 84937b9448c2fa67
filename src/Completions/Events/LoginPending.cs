using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.Completions.Events;

/// <summary>
/// The run needs the user to log in to these servers and waits for it (<c>mcp_wait_for_login</c>) for at most
/// <paramref name="Timeout"/>; when the logins complete in time, the run goes on with the tools.
/// </summary>
public sealed record LoginPending(IReadOnlyList<McpLoginLink> Links, TimeSpan Timeout) : CompletionEvent;
