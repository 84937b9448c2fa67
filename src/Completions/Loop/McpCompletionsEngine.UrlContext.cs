using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Usage;
using McpSubAgent.Completions.UrlContext;

namespace McpSubAgent.Completions.Loop;

public sealed partial class McpCompletionsEngine
{
    /// <summary>
    /// Fetches the URLs of the last user message when the request turned URL context on. A site that needs a login
    /// is handled as an MCP server that does: the run waits for it (<c>mcp_wait_for_login</c>) or ends with the link
    /// before the model is called (<see cref="UrlContextStep.LoginRequired"/>).
    /// </summary>
    private async IAsyncEnumerable<CompletionEvent> ReadUrlContextAsync(
        CompletionRunRequest request, CompletionRunContext context, string? profile, UrlContextStep step,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var result = await _urlContext.ReadAsync(request, context.UserKey, profile, cancellationToken).ConfigureAwait(false);
        var waitForLogin = context.WaitForLogin ?? request.WaitForLogin;
        if (result is { LoginLinks.Count: > 0 } && waitForLogin > TimeSpan.Zero)
        {
            yield return new ContentDelta(MarkdownRenderer.WaitingForLogin(result.LoginLinks, waitForLogin.Value, forPages: true), FromModel: false);
            yield return new LoginPending(result.LoginLinks, waitForLogin.Value);
            if (await _urlContext.WaitForLoginsAsync(result.LoginLinks, context.UserKey, profile, waitForLogin.Value, cancellationToken).ConfigureAwait(false))
            {
                result = await _urlContext.ReadAsync(request, context.UserKey, profile, cancellationToken).ConfigureAwait(false);
            }
        }

        if (result is { LoginLinks.Count: > 0 })
        {
            step.LoginRequired = true;
            yield return new ContentDelta(MarkdownRenderer.PagesLoginRequired(result.LoginLinks), FromModel: false);
            yield return new LoginRequired(result.LoginLinks);
            yield return new CompletionFinished("stop", RunOutcome.LoginRequired, TokenUsage.Zero, result.LoginLinks);
            yield break;
        }

        step.Result = result;
    }

    /// <summary>The pages for the model: appended to the last user message (as text, or as one more text part).</summary>
    private static void AddUrlContext(JsonArray messages, UrlContextStep step)
    {
        if (step.Result is not { } result
            || messages.OfType<JsonObject>().LastOrDefault(m => m["role"] is JsonValue r && r.TryGetValue(out string? role) && role == "user") is not { } user)
        {
            return;
        }

        var pages = result.ForModel();
        user["content"] = user["content"] switch
        {
            JsonArray parts => new JsonArray([.. parts.Select(p => p?.DeepClone()), new JsonObject { ["type"] = "text", ["text"] = pages }]),
            var content => ((string?)content ?? "") + pages,
        };
    }

    /// <summary>What the person and the host are shown of the URLs read, right after the run has started.</summary>
    private static IEnumerable<CompletionEvent> UrlContextShown(UrlContextStep step, bool markdown)
    {
        if (step.Result is not { } result)
        {
            yield break;
        }

        if (markdown)
        {
            yield return new ContentDelta(UrlContextMarkdown.Read(result.Urls), FromModel: false);
        }

        yield return new UrlContextRead(result.Urls);
    }

    /// <summary>The outcome of <see cref="ReadUrlContextAsync"/>, which an iterator cannot return.</summary>
    private sealed class UrlContextStep
    {
        public UrlContextResult? Result { get; set; }

        public bool LoginRequired { get; set; }
    }
}
