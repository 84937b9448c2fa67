using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Diagnostics;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Search;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Completions.Usage;
using McpSubAgent.Completions.UrlContext;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.Loop;

/// <summary>
/// Runs a chat completion whose tools name MCP servers: offers their tools to the model, runs the model's calls to
/// them (all calls of a round at once), feeds the results back, and repeats until the model answers, calls a tool the
/// caller defined, or the round limit is reached. The run is a stream of <see cref="CompletionEvent"/>s.
/// </summary>
public sealed partial class McpCompletionsEngine
{
    private readonly CompletionsMetrics _metrics;
    private readonly McpToolResolver _resolver;
    private readonly McpToolExecutor _executor;
    private readonly UpstreamRetryPipeline _retry;
    private readonly IOptions<CompletionsOptions> _options;
    private readonly IEnumerable<ICompletionRunObserver> _observers;
    private readonly IUserRunLimiter _limiter;
    private readonly IMcpApprovalStore _approvals;
    private readonly McpRegistryClient _registry;
    private readonly UrlContextReader _urlContext;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    internal McpCompletionsEngine(
        McpToolResolver resolver,
        McpToolExecutor executor,
        UpstreamRetryPipeline retry,
        IOptions<CompletionsOptions> options,
        IEnumerable<ICompletionRunObserver> observers,
        IUserRunLimiter limiter,
        IMcpApprovalStore approvals,
        TimeProvider timeProvider,
        ILogger<McpCompletionsEngine> logger,
        CompletionsMetrics metrics,
        McpRegistryClient registry,
        UrlContextReader urlContext)
    {
        _registry = registry;
        _urlContext = urlContext;
        _limiter = limiter;
        _approvals = approvals;
        _metrics = metrics;
        _resolver = resolver;
        _executor = executor;
        _retry = retry;
        _options = options;
        _observers = observers;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>A new completion id in OpenAI's form.</summary>
    public static string NewCompletionId() => "chatcmpl-" + RandomNumberGenerator.GetHexString(24, lowercase: true);

    /// <summary>
    /// Runs <paramref name="request"/> for the user of <paramref name="context"/> against <paramref name="upstream"/>.
    /// The first event is <see cref="RunStarted"/> once the request is valid and its MCP servers are resolved (or the
    /// login links, when a login is missing); until then a host can still answer with an error status when the run
    /// throws: <see cref="InvalidRequestException"/> for bad input, <see cref="RunRefusedException"/> when the user has
    /// too many runs going. Later failures also throw: <see cref="UpstreamException"/> for a failing, stalled or
    /// oversized upstream answer, <see cref="RunTimedOutException"/> past <see cref="CompletionsOptions.MaxRunDuration"/>.
    /// </summary>
    public async IAsyncEnumerable<CompletionEvent> RunAsync(
        CompletionRunRequest request,
        CompletionRunContext context,
        IChatCompletionsUpstream upstream,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(upstream);
        request.Validate();

        var slot = context.IsBackground ? NoSlot.Instance : await _limiter.AcquireAsync(context.UserKey, cancellationToken).ConfigureAwait(false);
        await using var releaseSlot = slot.ConfigureAwait(false);
        var maxDuration = _options.Value.MaxRunDuration;
        using var deadline = new CancellationTokenSource(maxDuration, _timeProvider);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var events = RunCoreAsync(request, context, upstream, run.Token).GetAsyncEnumerator(run.Token);
        await using var disposeEvents = events.ConfigureAwait(false);
        while (true)
        {
            try
            {
                if (!await events.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or ModelContextProtocol.McpException
                && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // What a cancelled step throws (a cancellation, or a transport's own error): the deadline stopped it.
                throw new RunTimedOutException(
                    $"The run took longer than {Seconds(maxDuration)} s (Completions:MaxRunDuration) and was stopped.", ex);
            }

            yield return events.Current;
        }
    }

    private async IAsyncEnumerable<CompletionEvent> RunCoreAsync(
        CompletionRunRequest request,
        CompletionRunContext context,
        IChatCompletionsUpstream upstream,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        var runId = context.RunId ?? NewCompletionId();
        var model = request.Model ?? settings.DefaultModel;
        var profile = context.Profile ?? request.Profile;
        var maxRounds = context.MaxRounds ?? request.MaxRounds ?? settings.MaxRounds;
        var markdown = request.OutputMode == McpOutputMode.Markdown;
        var started = _timeProvider.GetTimestamp();
        var roundUsage = new List<TokenUsage>();
        var toolReports = new List<ToolCallReport>();
        RunOutcome? outcome = null;
        using var runActivity = CompletionsTelemetry.Source.StartActivity("invoke_agent", ActivityKind.Internal);
        runActivity?.SetTag("gen_ai.operation.name", "invoke_agent");
        runActivity?.SetTag("gen_ai.request.model", model);
        runActivity?.SetTag("gen_ai.conversation.id", runId);
        runActivity?.SetTag("mcpsubagent.mcp_servers", request.McpServers.Count);

        try
        {
            var resolved = request.HasMcpServers
                ? await _resolver.ResolveAsync(request, context.UserKey, profile, cancellationToken).ConfigureAwait(false)
                : new ResolvedMcpServers([], [], []);

            var waitForLogin = context.WaitForLogin ?? request.WaitForLogin;
            if (resolved.LoginLinks.Count > 0 && waitForLogin > TimeSpan.Zero)
            {
                // The person gets the links now and the run goes on once they have logged in.
                yield return new ContentDelta(MarkdownRenderer.WaitingForLogin(resolved.LoginLinks, waitForLogin.Value), FromModel: false);
                yield return new LoginPending(resolved.LoginLinks, waitForLogin.Value);
                if (await _resolver.WaitForLoginsAsync(request, resolved.LoginLinks, context.UserKey, profile, waitForLogin.Value, cancellationToken).ConfigureAwait(false))
                {
                    resolved = await _resolver.ResolveAsync(request, context.UserKey, profile, cancellationToken).ConfigureAwait(false);
                }
            }

            if (resolved.LoginLinks.Count > 0)
            {
                // Calling the model without the tools it was promised would waste the call: ask for the logins first.
                outcome = RunOutcome.LoginRequired;
                yield return new ContentDelta(MarkdownRenderer.LoginRequired(resolved.LoginLinks), FromModel: false);
                yield return new LoginRequired(resolved.LoginLinks);
                yield return new CompletionFinished("stop", RunOutcome.LoginRequired, TokenUsage.Zero, resolved.LoginLinks);
                yield break;
            }

            var urlContext = new UrlContextStep();
            await foreach (var e in ReadUrlContextAsync(request, context, profile, urlContext, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            if (urlContext.LoginRequired)
            {
                outcome = RunOutcome.LoginRequired;
                yield break;
            }

            var toolsByName = resolved.Tools.ToDictionary(t => t.FunctionName, StringComparer.Ordinal);
            var messages = (JsonArray)request.Messages.DeepClone();
            AddUrlContext(messages, urlContext);

            using var search = StartSearch(request, context.UserKey, profile, toolsByName);
            var restored = await RestoreSearchAsync(search, messages, context.UserKey, toolsByName, cancellationToken).ConfigureAwait(false);

            // Answers to held calls are checked before the run starts, so that a refused approval is an error status.
            var approved = await TakeApprovedRoundAsync(messages, context.UserKey, toolsByName, cancellationToken).ConfigureAwait(false);

            yield return new RunStarted(runId);
            if (request.HasMcpServers)
            {
                yield return ToolsListed(request.McpServers, resolved);
            }

            foreach (var e in UrlContextShown(urlContext, markdown))
            {
                yield return e;
            }

            var offeredTools = new JsonArray([
                .. request.CallerTools.Select(t => t?.DeepClone()),
                .. resolved.Tools.Select(t => t.ToFunctionTool()),
                .. restored.Tools.Select(t => t.ToFunctionTool())]);
            if (search is not null)
            {
                foreach (var definition in McpSearchTools.Definitions())
                {
                    offeredTools.Add(definition);
                }
            }

            if (restored.LoginLinks.Count > 0)
            {
                yield return new ContentDelta(MarkdownRenderer.LoginRequired(restored.LoginLinks), FromModel: false);
            }

            var total = TokenUsage.Zero;

            await foreach (var e in ContinueEarlierRoundAsync(approved, context, messages, toolsByName, markdown, toolReports, runActivity?.Context ?? default, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            var timeouts = upstream.TimeoutsFor(model) ?? UpstreamTimeouts.From(settings);
            for (var round = 1; ; round++)
            {
                // Parents are given explicitly: Activity.Current does not survive between the moves of an iterator.
                using var roundActivity = CompletionsTelemetry.Source.StartActivity("round", ActivityKind.Internal, runActivity?.Context ?? default);
                roundActivity?.SetTag("mcpsubagent.round", round);
                using var upstreamActivity = CompletionsTelemetry.Source.StartActivity($"chat {model}", ActivityKind.Client, roundActivity?.Context ?? default);
                upstreamActivity?.SetTag("gen_ai.operation.name", "chat");
                upstreamActivity?.SetTag("gen_ai.request.model", model);

                var answer = new UpstreamRound();
                await foreach (var e in AskModelAsync(request, upstream, messages, offeredTools, model, round, timeouts, round == 1 ? resolved.Problems : [], answer, upstreamActivity, cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                }

                roundUsage.Add(answer.Usage);
                total += answer.Usage;
                upstreamActivity?.SetTag("gen_ai.usage.input_tokens", answer.Usage.PromptTokens);
                upstreamActivity?.SetTag("gen_ai.usage.output_tokens", answer.Usage.CompletionTokens);
                upstreamActivity?.SetTag("gen_ai.response.finish_reasons", new[] { answer.FinishReason ?? "stop" });
                upstreamActivity?.Stop();
                _metrics.RoundEnded(model, answer.Usage);

                var calls = answer.ToolCalls;
                EnsureUniqueCallIds(calls, round);
                if (calls.Count == 0)
                {
                    outcome = RunOutcome.Completed;
                    yield return new CompletionFinished(answer.FinishReason ?? "stop", RunOutcome.Completed, total, AddedServerLogins(search));
                    yield break;
                }

                var mcpCalls = calls.Where(c => toolsByName.ContainsKey(c.Name.ToString())).ToList();
                var searchCalls = SearchCalls(search, calls, toolsByName);
                var clientCalls = calls.Where(c => !toolsByName.ContainsKey(c.Name.ToString()) && !searchCalls.Contains(c)).ToList();
                var assistant = new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = answer.Content.Length > 0 ? answer.Content.ToString() : null,
                    ["tool_calls"] = new JsonArray([.. calls.Select(c => c.ToJson())]),
                };

                List<JsonObject> appended;
                if (mcpCalls.Where(c => NeedsApproval(toolsByName[c.Name.ToString()])).ToList() is { Count: > 0 } held)
                {
                    // The whole round waits: its other calls run with the approved ones, once the answers come.
                    DropSearchCalls(assistant, searchCalls);
                    var heldRound = new HeldRound();
                    await foreach (var e in HoldRoundAsync(request, context, assistant, held, clientCalls.Count == 0, round, messages.Count, toolsByName, markdown, toolReports, heldRound, roundActivity?.Context ?? default, cancellationToken).ConfigureAwait(false))
                    {
                        yield return e;
                    }

                    if (heldRound.RanMessages is null)
                    {
                        outcome = RunOutcome.ApprovalRequired;
                        yield return new ClientToolCallsRequested(PendingToolCalls(clientCalls, heldRound.Approvals));
                        yield return new CompletionFinished("tool_calls", RunOutcome.ApprovalRequired, total, AddedServerLogins(search)) { Approvals = heldRound.Approvals };
                        yield break;
                    }

                    appended = heldRound.RanMessages;
                }
                else
                {
                    var toolMessages = new List<JsonObject>();
                    if (mcpCalls.Count > 0 || searchCalls.Count > 0)
                    {
                        yield return new ToolRoundStarting(round, (JsonObject)assistant.DeepClone());
                    }

                    await foreach (var e in RunCallsAsync(calls, mcpCalls, searchCalls, search, toolsByName, round, markdown, toolMessages, toolReports, roundActivity?.Context ?? default, cancellationToken).ConfigureAwait(false))
                    {
                        yield return e;
                    }

                    if (clientCalls.Count > 0)
                    {
                        outcome = RunOutcome.ClientToolCalls;
                        yield return new ClientToolCallsRequested(new JsonArray([.. clientCalls.Select((c, i) => c.ToJson(i))]));
                        yield return new CompletionFinished("tool_calls", RunOutcome.ClientToolCalls, total, AddedServerLogins(search));
                        yield break;
                    }

                    appended = [assistant, .. toolMessages];
                }

                foreach (var message in appended)
                {
                    messages.Add(message);
                }

                yield return new RoundCompleted(round, answer.Usage, appended);
                foreach (var e in OfferAddedServers(search, toolsByName, offeredTools))
                {
                    yield return e;
                }

                if (round >= maxRounds)
                {
                    outcome = RunOutcome.MaxRoundsReached;
                    yield return new ContentDelta(MarkdownRenderer.RoundLimitReached(round), FromModel: false);
                    yield return new CompletionFinished("stop", RunOutcome.MaxRoundsReached, total, AddedServerLogins(search));
                    yield break;
                }
            }
        }
        finally
        {
            var final = outcome ?? (cancellationToken.IsCancellationRequested ? RunOutcome.Cancelled : RunOutcome.Failed);
            var totalUsage = roundUsage.Aggregate(TokenUsage.Zero, TokenUsage.Add);
            runActivity?.SetTag("mcpsubagent.outcome", final.ToString());
            runActivity?.SetTag("gen_ai.usage.input_tokens", totalUsage.PromptTokens);
            runActivity?.SetTag("gen_ai.usage.output_tokens", totalUsage.CompletionTokens);
            if (final == RunOutcome.Failed)
            {
                runActivity?.SetStatus(ActivityStatusCode.Error);
            }

            _metrics.RunEnded(final, model, _timeProvider.GetElapsedTime(started));
            await ReportAsync(new CompletionRunReport(runId, context.UserKey, profile, model, final, roundUsage, totalUsage,
                toolReports, _timeProvider.GetElapsedTime(started))).ConfigureAwait(false);
        }
    }

    /// <summary>OpenAI's <c>tool</c> message with one call's result.</summary>
    public static JsonObject ToolMessage(string toolCallId, string content) => new()
    {
        ["role"] = "tool",
        ["tool_call_id"] = toolCallId,
        ["content"] = content,
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

    private async Task ReportAsync(CompletionRunReport report)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnRunCompletedAsync(report, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // An observer (billing, metrics) must not turn a finished answer into a failure.
                LogObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Run observer {Observer} failed")]
    private static partial void LogObserverFailed(ILogger logger, string observer, Exception exception);

    /// <summary>What a background run holds instead of a slot: agent tasks are bounded by the task queue, not this limit.</summary>
    private sealed class NoSlot : IAsyncDisposable
    {
        public static readonly NoSlot Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
