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
        parameters.Validate();
        var body = new JsonObject
        {
            ["messages"] = messages.DeepClone(),
            ["tools"] = new JsonArray([.. parameters.McpServers.Select(url => (JsonNode)McpTool(url, parameters.AllowedTools, parameters.RequireApproval))]),
            ["stream"] = true,
        };
        if (parameters.Model is not null)
        {
            body["model"] = parameters.Model;
        }

        ChatCompletionRequest request;
        try
        {
            request = ChatCompletionRequestParser.Parse(body);
        }
        catch (InvalidRequestException ex)
        {
            throw new AgentInputException(ex.Message);
        }

        // A resumed run has only the rounds its earlier attempts left.
        var rounds = Math.Max(1, (parameters.MaxRounds ?? options.Value.MaxRounds) - roundsAlreadyDone);
        var context = new CompletionRunContext(userKey)
        {
            Profile = parameters.Profile, MaxRounds = rounds, IsBackground = background, ResumesInterruptedRound = background,
        };
        return engine.RunAsync(request, configure?.Invoke(context) ?? context, upstream, cancellationToken);
    }

    /// <summary>
    /// Runs a chat-completions request (the body of <c>/v1/chat/completions</c>) for <paramref name="userKey"/>.
    /// <paramref name="messages"/> replaces the body's conversation: the body's own messages for a new run, or a stored
    /// transcript to resume (the first message keeps its front matter, so the servers it names stay the same).
    /// Throws <see cref="InvalidRequestException"/> for a body the engine refuses.
    /// </summary>
    public IAsyncEnumerable<CompletionEvent> RunRequestAsync(
        JsonObject body, string userKey, JsonArray messages, int roundsAlreadyDone, RequestRunSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(settings);
        var withMessages = (JsonObject)body.DeepClone();
        withMessages["messages"] = messages.DeepClone();
        if (settings.LoginNeedsEndUser)
        {
            withMessages.Remove(EndUserLoginGuard.WaitForLoginField);
        }

        var request = ChatCompletionRequestParser.Parse(withMessages);
        var rounds = Math.Max(1, (request.MaxRounds ?? options.Value.MaxRounds) - roundsAlreadyDone);
        var context = new CompletionRunContext(userKey)
        {
            MaxRounds = rounds, RunId = settings.RunId, IsBackground = settings.IsBackground, ResumesInterruptedRound = settings.IsBackground,
            ApprovalPages = settings.ApprovalPages, ApprovalLifetime = settings.ApprovalLifetime,
        };
        var events = engine.RunAsync(request, context, upstream, cancellationToken);
        return settings.LoginNeedsEndUser ? EndUserLoginGuard.Apply(events, cancellationToken) : events;
    }

    private static JsonObject McpTool(string url, IReadOnlyList<string> allowedTools, JsonNode? requireApproval)
    {
        var tool = new JsonObject { ["type"] = "mcp", ["server_url"] = url, ["require_approval"] = requireApproval?.DeepClone() };
        if (allowedTools.Count > 0)
        {
            tool["allowed_tools"] = new JsonArray([.. allowedTools.Select(t => (JsonNode)t)]);
        }

        return tool;
    }
}
