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

            // Answers to held calls are checked before the run starts, so that a refused approval is an error status.
            var approved = await TakeApprovedRoundAsync(messages, context.UserKey, toolsByName, cancellationToken).ConfigureAwait(false);
            using var search = StartSearch(request, context.UserKey, profile, toolsByName);

            yield return new RunStarted(runId);
            if (request.HasMcpServers)
            {
                yield return ToolsListed(request.McpServers, resolved);
            }

            foreach (var e in UrlContextShown(urlContext, markdown))
            {
                yield return e;
            }

            var offeredTools = new JsonArray([.. request.CallerTools.Select(t => t?.DeepClone()), .. resolved.Tools.Select(t => t.ToFunctionTool())]);
            if (search is not null)
            {
                foreach (var definition in McpSearchTools.Definitions())
                {
                    offeredTools.Add(definition);
                }
            }

            var total = TokenUsage.Zero;

            if (approved is not null)
            {
                while (messages.Count > approved.AssistantIndex)
                {
                    messages.RemoveAt(messages.Count - 1);
                }

                List<JsonObject> appended = [approved.Assistant];

                // As for any round whose calls run: a host that persists rounds records the calls before they are made.
                yield return new ToolRoundStarting(approved.Round, (JsonObject)approved.Assistant.DeepClone());
                await foreach (var e in RunApprovedRoundAsync(approved, toolsByName, markdown, appended, toolReports, runActivity?.Context ?? default, cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                }

                foreach (var message in appended)
                {
                    messages.Add(message);
                }

                yield return new RoundCompleted(approved.Round, TokenUsage.Zero, appended);
            }
            else if (context.ResumesInterruptedRound && InterruptedRound.Find(messages) is { } interrupted)
            {
                var resumed = new List<JsonObject>();
                await foreach (var e in ResumeAsync(interrupted, toolsByName, markdown, resumed, toolReports, runActivity?.Context ?? default, cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                }

                foreach (var message in resumed)
                {
                    messages.Add(message);
                }

                yield return new RoundCompleted(interrupted.Round, TokenUsage.Zero, resumed);
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

                var body = request.UpstreamBody(messages, offeredTools, model);
                if (round > 1)
                {
                    // The first call is bounded by what the host accepted; tool results make later ones grow.
                    EnsureWithinRequestLimit(body, settings.MaxUpstreamRequestBytes);
                }

                using var callTimer = new CancellationTokenSource(timeouts.Total, _timeProvider);
                using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callTimer.Token);
                HttpResponseMessage response;
                try
                {
                    response = await _retry.SendAsync(ct => SendAttemptAsync(upstream, body, timeouts.Headers, ct), call.Token).ConfigureAwait(false);
                    await UpstreamResponseReader.EnsureSuccessAsync(response, call.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException ex) when (callTimer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    upstreamActivity?.SetStatus(ActivityStatusCode.Error, "timeout");
                    throw new UpstreamException($"The upstream LLM did not answer within {Seconds(timeouts.Total)} s.", HttpStatusCode.GatewayTimeout, innerException: ex);
                }
                catch (Exception ex) when (ex is UpstreamException or HttpRequestException)
                {
                    upstreamActivity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    throw;
                }

                if (round == 1)
                {
                    foreach (var problem in resolved.Problems)
                    {
                        yield return new ContentDelta(MarkdownRenderer.Error(problem.Message), FromModel: false);
                    }
                }

                var answer = new UpstreamRound();
                var limits = new UpstreamReadLimits(timeouts.Idle, timeouts.Total, callTimer, settings.MaxUpstreamResponseBytes, _timeProvider);
                await foreach (var text in UpstreamResponseReader.ReadAsync(response, answer, limits, cancellationToken).ConfigureAwait(false))
                {
                    if (answer.TakeReasoning() is { } reasoning)
                    {
                        yield return new ReasoningDelta(reasoning);
                    }

                    if (text.Length > 0)
                    {
                        yield return new ContentDelta(text, FromModel: true);
                    }
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
                    yield return new CompletionFinished(answer.FinishReason ?? "stop", RunOutcome.Completed, total, []);
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

                if (mcpCalls.Where(c => NeedsApproval(toolsByName[c.Name.ToString()])).ToList() is { Count: > 0 } held)
                {
                    // The whole round waits: its other calls run with the approved ones, once the answers come.
                    DropSearchCalls(assistant, searchCalls);
                    var approvals = await HoldAsync(context, assistant, held, toolsByName, cancellationToken).ConfigureAwait(false);
                    foreach (var approval in approvals)
                    {
                        // Shown in text mode too: the person must see what they are asked to approve.
                        yield return new ContentDelta(MarkdownRenderer.ApprovalRequired(approval.ToolName, approval.ServerUrl, approval.Arguments, approval.PageUrl), FromModel: false);
                    }

                    yield return new ApprovalRequired(approvals);
                    var waitForApproval = context.WaitForApproval ?? request.WaitForApproval;
                    var pageWait = waitForApproval > TimeSpan.Zero && context.ApprovalPages is not null ? waitForApproval.Value : TimeSpan.Zero;
                    if (clientCalls.Count == 0 && pageWait > TimeSpan.Zero)
                    {
                        yield return new ContentDelta(MarkdownRenderer.WaitingForApproval(pageWait), FromModel: false);
                        yield return new ApprovalPending(approvals, pageWait);
                        if (await WaitForDecisionsAsync(approvals, pageWait, cancellationToken).ConfigureAwait(false) is { } decisions)
                        {
                            var decided = new ApprovedRound(round, messages.Count, assistant, Plan(assistant, decisions, toolsByName, [], "messages"));
                            List<JsonObject> approvedMessages = [assistant];
                            yield return new ToolRoundStarting(round, (JsonObject)assistant.DeepClone());
                            await foreach (var e in RunApprovedRoundAsync(decided, toolsByName, markdown, approvedMessages, toolReports, roundActivity?.Context ?? default, cancellationToken).ConfigureAwait(false))
                            {
                                yield return e;
                            }

                            foreach (var message in approvedMessages)
                            {
                                messages.Add(message);
                            }

                            yield return new RoundCompleted(round, answer.Usage, approvedMessages);
                            if (round >= maxRounds)
                            {
                                outcome = RunOutcome.MaxRoundsReached;
                                yield return new ContentDelta(MarkdownRenderer.RoundLimitReached(round), FromModel: false);
                                yield return new CompletionFinished("stop", RunOutcome.MaxRoundsReached, total, []);
                                yield break;
                            }

                            continue;
                        }
                    }

                    outcome = RunOutcome.ApprovalRequired;
                    yield return new ClientToolCallsRequested(PendingToolCalls(clientCalls, approvals));
                    yield return new CompletionFinished("tool_calls", RunOutcome.ApprovalRequired, total, []) { Approvals = approvals };
                    yield break;
                }

                var toolMessages = new List<JsonObject>();
                if (mcpCalls.Count > 0 || searchCalls.Count > 0)
                {
                    yield return new ToolRoundStarting(round, (JsonObject)assistant.DeepClone());
                }

                var pending = new List<Task<ToolExecution>>();
                var startedCalls = new List<ToolCallInfo>();
                foreach (var toolCall in mcpCalls)
                {
                    var tool = toolsByName[toolCall.Name.ToString()];
                    var info = new ToolCallInfo(toolCall.Id, tool.FunctionName, tool.Tool.Name, tool.Server.ServerUrl, toolCall.Arguments.ToString(), round);
                    pending.Add(_executor.ExecuteAsync(tool, info, roundActivity?.Context ?? default, cancellationToken));
                    startedCalls.Add(info);
                }

                foreach (var toolCall in searchCalls)
                {
                    var info = search!.Describe(toolCall, round);
                    pending.Add(search.ExecuteAsync(info, cancellationToken));
                    startedCalls.Add(info);
                }

                // Each call's block goes out as it starts, so a person sees what runs while it runs.
                foreach (var info in startedCalls)
                {
                    if (markdown)
                    {
                        yield return new ContentDelta(MarkdownRenderer.ToolCall(info.ToolName, info.ServerUrl, info.Arguments), FromModel: false);
                    }

                    yield return new ToolCallStarted(info);
                }

                // Results are shown as each call finishes; the model gets them in call order.
                var results = new Dictionary<string, ToolExecution>();
                while (pending.Count > 0)
                {
                    var finished = await Task.WhenAny(pending).ConfigureAwait(false);
                    pending.Remove(finished);
                    var execution = await finished.ConfigureAwait(false);
                    results[execution.Call.Id] = execution;
                    toolReports.Add(new ToolCallReport(execution.Call.ToolName, execution.Call.ServerUrl, round, execution.Status, execution.Duration));
                    if (markdown)
                    {
                        yield return new ContentDelta(execution.Markdown, FromModel: false);
                    }

                    yield return new ToolCallCompleted(execution.Call, execution.Status, execution.ResultForModel, execution.Duration);
                }

                foreach (var toolCall in calls.Where(c => results.ContainsKey(c.Id)))
                {
                    toolMessages.Add(ToolMessage(toolCall.Id, results[toolCall.Id].ResultForModel));
                }

                if (clientCalls.Count > 0)
                {
                    outcome = RunOutcome.ClientToolCalls;
                    yield return new ClientToolCallsRequested(new JsonArray([.. clientCalls.Select((c, i) => c.ToJson(i))]));
                    yield return new CompletionFinished("tool_calls", RunOutcome.ClientToolCalls, total, []);
                    yield break;
                }

                List<JsonObject> appended = [assistant, .. toolMessages];
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
                    yield return new CompletionFinished("stop", RunOutcome.MaxRoundsReached, total, []);
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

    /// <summary>Some providers send empty or repeated tool call ids; results are matched by id, so each call needs its own.</summary>
    private static void EnsureUniqueCallIds(IReadOnlyList<ToolCallBuilder> calls, int round)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < calls.Count; i++)
        {
            if (string.IsNullOrEmpty(calls[i].Id) || !seen.Add(calls[i].Id))
            {
                calls[i].Id = $"call_r{round}_{i}_{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
                seen.Add(calls[i].Id);
            }
        }
    }

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
