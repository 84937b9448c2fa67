using System.Runtime.CompilerServices;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>
/// For apps that call without OpenAI's <c>user</c> field: a login link would connect a downstream account to the whole
/// app, not to the person in front of it, so a run that needs a login fails with a request error instead. The engine's
/// own text that comes before the login (its "authentication required" message) is held back until it is clear that no
/// login is needed, so nothing reaches the caller first.
/// </summary>
internal static class EndUserLoginGuard
{
    public const string ErrorCode = "user_required";

    /// <summary>
    /// The request field that asks the engine to wait for a login with the link already shown; a guarded run must not
    /// wait (the link would go to the whole app), so the field is removed from its body.
    /// </summary>
    public const string WaitForLoginField = "mcp_wait_for_login";

    public const string Message =
        "An MCP server of this request needs a login, and logins belong to an end user: send OpenAI's 'user' field with " +
        "the stable id of the person your app acts for, then show them the login link the answer carries.";

    public static async IAsyncEnumerable<CompletionEvent> Apply(
        IAsyncEnumerable<CompletionEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        List<CompletionEvent>? held = [];
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            if (held is not null)
            {
                if (e is LoginRequired)
                {
                    throw new InvalidRequestException(Message, "user") { Code = ErrorCode };
                }

                if (e is ContentDelta { FromModel: false })
                {
                    held.Add(e);
                    continue;
                }

                foreach (var earlier in held)
                {
                    yield return earlier;
                }

                held = null;
            }

            yield return e;
        }

        foreach (var earlier in held ?? [])
        {
            yield return earlier;
        }
    }
}
