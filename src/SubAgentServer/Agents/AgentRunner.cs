using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>
/// Runs the completions engine as a sub-agent for one user: the parameters become a chat-completions request with the
/// user's MCP servers, and the user key (the token's <c>sub</c>) selects their connections and logins.
/// </summary>
internal sealed class AgentRunner(McpCompletionsEngine engine, IChatCompletionsUpstream upstream, IOptions<CompletionsOptions> options)
{
    /// <summary>The conversation a run starts from: the instructions as a system message, then the prompt.</summary>
    public static JsonArray InitialMessages(AgentParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var messages = new JsonArray();
        if (!string.IsNullOrWhiteSpace(parameters.Instructions))
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = parameters.Instructions });
        }

        messages.Add(new JsonObject { ["role"] = "user", ["content"] = parameters.Prompt });
        return messages;
    }

    /// <summary>
    /// Runs the agent. <paramref name="messages"/> is the conversation to start from: <see cref="InitialMessages"/> for a
    /// new run, or a stored transcript (with the finished rounds' tool results) to resume without calling those tools again.
    /// </summary>
    /// <param name="parameters">What to run.</param>
    /// <param name="userKey">Whose logins and limits apply.</param>
    /// <param name="messages">The conversation to start from.</param>
    /// <param name="roundsAlreadyDone">Rounds that earlier attempts finished.</param>
    /// <param name="background">An agent task: bounded by the task queue, and resuming a round that was under way when its process died.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <param name="configure">Adds what the caller can do for the run (approval pages, asking the person).</param>
    public IAsyncEnumerable<CompletionEvent> RunAsync(
        AgentParameters parameters, string userKey, JsonArray messages, int roundsAlreadyDone, bool background, CancellationToken cancellationToken,
        Func<CompletionRunContext, CompletionRunContext>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(messages);
        var request = parameters.ToRunRequest(messages);

        // A resumed run has only the rounds its earlier attempts left.
        var rounds = Math.Max(1, (parameters.MaxRounds ?? options.Value.MaxRounds) - roundsAlreadyDone);
        var context = new CompletionRunContext(userKey)
        {
            Profile = parameters.Profile, MaxRounds = rounds, IsBackground = background, ResumesInterruptedRound = background,
        };
        return engine.RunAsync(request, configure?.Invoke(context) ?? context, upstream, cancellationToken);
    }

    /// <summary>
    /// Runs a request of <c>/v1/chat/completions</c> (or another API surface) for <paramref name="userKey"/>: a new run,
    /// or a stored transcript to resume, whose finished rounds (<paramref name="roundsAlreadyDone"/>) count against its
    /// round limit. The engine throws <see cref="InvalidRequestException"/> for a request it refuses.
    /// </summary>
    public IAsyncEnumerable<CompletionEvent> RunRequestAsync(
        CompletionRunRequest request, string userKey, int roundsAlreadyDone, RequestRunSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.LoginNeedsEndUser)
        {
            // An app without an end user cannot have anyone log in: waiting would only delay the failure.
            request = request with { WaitForLogin = null };
        }

        var rounds = Math.Max(1, (request.MaxRounds ?? options.Value.MaxRounds) - roundsAlreadyDone);
        var context = new CompletionRunContext(userKey)
        {
            MaxRounds = rounds, RunId = settings.RunId, IsBackground = settings.IsBackground, ResumesInterruptedRound = settings.IsBackground,
            ApprovalPages = settings.ApprovalPages,
        };
        var events = engine.RunAsync(request, context, upstream, cancellationToken);
        return settings.LoginNeedsEndUser ? EndUserLoginGuard.Apply(events, cancellationToken) : events;
    }
}
