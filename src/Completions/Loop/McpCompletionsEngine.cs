using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Diagnostics;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Completions.Usage;
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
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    internal McpCompletionsEngine(
        McpToolResolver resolver,
        McpToolExecutor executor,
        UpstreamRetryPipeline retry,
        IOptions<CompletionsOptions> options,
        IEnumerable<ICompletionRunObserver> observers,
        TimeProvider timeProvider,
        ILogger<McpCompletionsEngine> logger,
        CompletionsMetrics metrics)
    {
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
    /// Nothing is yielded before the first upstream response has arrived (or a login is found to be needed), so a
    /// host can still answer with an error status when the first move throws: <see cref="InvalidRequestException"/>
    /// for bad input, <see cref="UpstreamException"/> for a failing upstream. Later upstream failures also throw.
    /// </summary>
    public async IAsyncEnumerable<CompletionEvent> RunAsync(
        ChatCompletionRequest request,
        CompletionRunContext context,
        IChatCompletionsUpstream upstream,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(upstream);

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
                ? await _resolver.ResolveAsync(request, context.UserKey, profile, cancellationToken)
                : new ResolvedMcpServers([], [], []);

            var waitForLogin = context.WaitForLogin ?? request.WaitForLogin;
            if (resolved.LoginLinks.Count > 0 && waitForLogin > TimeSpan.Zero)
            {
                // The person gets the links now and the run goes on once they have logged in.
                yield return new ContentDelta(MarkdownRenderer.WaitingForLogin(resolved.LoginLinks, waitForLogin.Value), FromModel: false);
                yield return new LoginPending(resolved.LoginLinks, waitForLogin.Value);
                if (await _resolver.WaitForLoginsAsync(request, resolved.LoginLinks, context.UserKey, profile, waitForLogin.Value, cancellationToken))
                {
                    resolved = await _resolver.ResolveAsync(request, context.UserKey, profile, cancellationToken);
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

            var toolsByName = resolved.Tools.ToDictionary(t => t.FunctionName, StringComparer.Ordinal);
            var offeredTools = new JsonArray([.. request.CallerTools.Select(t => t?.DeepClone()), .. resolved.Tools.Select(t => t.ToFunctionTool())]);
            var messages = (JsonArray)request.Messages.DeepClone();
            var total = TokenUsage.Zero;

            for (var round = 1; ; round++)
            {
                // Parents are given explicitly: Activity.Current does not survive between the moves of an iterator.
                using var roundActivity = CompletionsTelemetry.Source.StartActivity("round", ActivityKind.Internal, runActivity?.Context ?? default);
                roundActivity?.SetTag("mcpsubagent.round", round);
                using var upstreamActivity = CompletionsTelemetry.Source.StartActivity($"chat {model}", ActivityKind.Client, roundActivity?.Context ?? default);
                upstreamActivity?.SetTag("gen_ai.operation.name", "chat");
                upstreamActivity?.SetTag("gen_ai.request.model", model);

                var body = BuildUpstreamBody(request.Body, messages, offeredTools, model);
                HttpResponseMessage response;
                try
                {
                    response = await _retry.SendAsync(ct => upstream.SendAsync(body, ct), cancellationToken);
                    await UpstreamResponseReader.EnsureSuccessAsync(response, cancellationToken);
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
                await foreach (var text in UpstreamResponseReader.ReadAsync(response, answer, cancellationToken))
                {
                    yield return new ContentDelta(text, FromModel: true);
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
                var clientCalls = calls.Where(c => !toolsByName.ContainsKey(c.Name.ToString())).ToList();
                var assistant = new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = answer.Content.Length > 0 ? answer.Content.ToString() : null,
                    ["tool_calls"] = new JsonArray([.. calls.Select(c => c.ToJson())]),
                };

                var toolMessages = new List<JsonObject>();
                var pending = new List<Task<ToolExecution>>();
                foreach (var call in mcpCalls)
                {
                    var tool = toolsByName[call.Name.ToString()];
                    var info = new ToolCallInfo(call.Id, tool.FunctionName, tool.Tool.Name, tool.Server.ServerUrl, call.Arguments.ToString(), round);
                    pending.Add(_executor.ExecuteAsync(tool, info, roundActivity?.Context ?? default, cancellationToken));
                    yield return new ToolCallStarted(info);
                }

                // Results are shown as each call finishes; the model gets them in call order.
                var results = new Dictionary<string, ToolExecution>();
                while (pending.Count > 0)
                {
                    var finished = await Task.WhenAny(pending);
                    pending.Remove(finished);
                    var execution = await finished;
                    results[execution.Call.Id] = execution;
                    toolReports.Add(new ToolCallReport(execution.Call.ToolName, execution.Call.ServerUrl, round, execution.Status, execution.Duration));
                    if (markdown)
                    {
                        yield return new ContentDelta(execution.Markdown, FromModel: false);
                    }

                    yield return new ToolCallCompleted(execution.Call, execution.Status, execution.ResultForModel, execution.Duration);
                }

                foreach (var call in mcpCalls)
                {
                    toolMessages.Add(new JsonObject
                    {
                        ["role"] = "tool",
                        ["tool_call_id"] = call.Id,
                        ["content"] = results[call.Id].ResultForModel,
                    });
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
                toolReports, _timeProvider.GetElapsedTime(started)));
        }
    }

    /// <summary>The body of one upstream call: the caller's fields, the conversation so far, and the offered tools.</summary>
    private static JsonObject BuildUpstreamBody(JsonObject requestBody, JsonArray messages, JsonArray tools, string model)
    {
        var body = new JsonObject();
        foreach (var (name, value) in requestBody)
        {
            if (name is not ("messages" or "tools" or "stream" or "stream_options" or "model"))
            {
                body[name] = value?.DeepClone();
            }
        }

        body["model"] = model;
        body["messages"] = messages.DeepClone();
        body["stream"] = true;

        // Usage is summed over rounds whatever the caller asked for; the caller's wish only decides what it is sent.
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        if (tools.Count > 0)
        {
            body["tools"] = tools.DeepClone();
        }
        else
        {
            // Providers refuse tool_choice without tools (every MCP server failed, say).
            body.Remove("tool_choice");
            body.Remove("parallel_tool_calls");
        }

        return body;
    }

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
                await observer.OnRunCompletedAsync(report, CancellationToken.None);
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
}
