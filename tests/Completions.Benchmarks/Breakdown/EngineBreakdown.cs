using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Benchmarks.Fakes;
using McpSubAgent.Completions.Benchmarks.Measurement;
using McpSubAgent.Completions.Benchmarks.Scenarios;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Completions.Benchmarks.Breakdown;

/// <summary>
/// Where the engine's own time goes, measured in process against the LLM replayed from memory: the steps of a run as
/// seen from its events and its upstream calls, one tools/call three ways, and the pieces the handler adds around a run
/// (request parsing, SSE or JSON output, the pipe to the caller). Each step runs <c>iterations</c> times after a warm-up.
/// </summary>
internal sealed class EngineBreakdown(int iterations, int warmup)
{
    public async Task<IReadOnlyList<BreakdownRow>> RunAsync(CancellationToken cancellationToken)
    {
        await using var host = await BenchmarkHost.StartAsync(LlmMode.Memory, cancellationToken);
        using var llm = new InMemoryLlm(await RecordedAnswers.RecordAsync(host.Scripted, cancellationToken));
        var engine = host.Services.GetRequiredService<McpCompletionsEngine>();
        var rows = new List<BreakdownRow>();

        var plain = ChatRequests.Utf8(ChatRequests.Body("Hello", stream: true));
        var answer = ChatRequests.Utf8(ChatRequests.Body("Hello", stream: true, host.McpTool()));
        var toolRound = ChatRequests.Utf8(ChatRequests.Body(BenchmarkHost.UseEchoPrompt, stream: true, host.McpTool()));

        // What the handler does first with every chat-completions POST.
        rows.Add(Measure("request", "pass-through check: parse the JSON, look for MCP tools (plain request)", () =>
        {
            var body = (JsonObject)JsonNode.Parse(plain)!;
            _ = ChatCompletionRequestParser.MayUseMcp(body);
        }));
        rows.Add(Measure("request", "parse + validate an MCP request (ChatCompletionRequestParser.Parse)", () =>
        {
            var body = (JsonObject)JsonNode.Parse(answer)!;
            _ = ChatCompletionRequestParser.MayUseMcp(body);
            _ = ChatCompletionRequestParser.Parse(body);
        }));

        // Runs split at their upstream calls and events, against the LLM in memory: the engine's own time.
        var answerEvents = new List<CompletionEvent>();
        rows.AddRange(await TimelineAsync("run, no tool call", engine, llm, answer, answerEvents, cancellationToken));
        var toolEvents = new List<CompletionEvent>();
        rows.AddRange(await TimelineAsync("run, echo round", engine, llm, toolRound, toolEvents, cancellationToken));

        var firstBody = await FirstUpstreamBodyAsync(engine, answer, cancellationToken);
        rows.Add(Measure("request", $"serialize the first upstream body, no tool call ({ChatRequests.Utf8(firstBody).Length} bytes; ToJsonString, UTF-8)", () =>
            _ = Encoding.UTF8.GetBytes(firstBody.ToJsonString())));

        rows.AddRange(await new ToolCallComparison(iterations, warmup).RunAsync(host, cancellationToken));

        // The handler's output side: events to SSE text or to one JSON completion, and the pipe to the caller.
        rows.Add(await MeasureAsync("output", $"events → SSE chunks, no tool call ({answerEvents.Count} events, to Stream.Null)",
            ct => WriteSseAsync(answerEvents, Stream.Null, ct), cancellationToken));
        rows.Add(await MeasureAsync("output", $"events → SSE chunks, one echo round ({toolEvents.Count} events, to Stream.Null)",
            ct => WriteSseAsync(toolEvents, Stream.Null, ct), cancellationToken));
        rows.Add(await MeasureAsync("output", "same, one echo round, through a Pipe read by another task (as the handler does)",
            ct => WriteSseThroughPipeAsync(toolEvents, ct), cancellationToken));
        rows.Add(Measure("output", "events → one chat.completion JSON, no tool call (ChatCompletionAggregator)", () =>
        {
            var aggregator = new ChatCompletionAggregator();
            foreach (var e in answerEvents)
            {
                aggregator.Add(e);
            }

            _ = aggregator.ToCompletion("chatcmpl-x", "fake-model", 0).ToJsonString();
        }));
        rows.Add(Measure("output", "CancellationTokenSource.Cancel on a disposed source, caught (ObjectDisposedException)", () =>
        {
            var source = new CancellationTokenSource();
            source.Dispose();
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }));
        return rows;
    }

    private async Task<IEnumerable<BreakdownRow>> TimelineAsync(
        string group,
        McpCompletionsEngine engine,
        IChatCompletionsUpstream inner,
        byte[] request,
        List<CompletionEvent> lastEvents,
        CancellationToken cancellationToken)
    {
        var steps = new Dictionary<string, List<long>>();
        void Add(string step, long ticks)
        {
            if (!steps.TryGetValue(step, out var list))
            {
                steps[step] = list = [];
            }

            list.Add(ticks);
        }

        for (var i = -warmup; i < iterations; i++)
        {
            var upstream = new TimedUpstream(inner);
            var events = new List<(CompletionEvent Event, long At)>();
            var parsed = ChatCompletionRequestParser.Parse((JsonObject)JsonNode.Parse(request)!);
            var start = Stopwatch.GetTimestamp();
            await foreach (var e in engine.RunAsync(parsed.Run, new CompletionRunContext("local"), upstream, cancellationToken))
            {
                events.Add((e, Stopwatch.GetTimestamp()));
            }

            var end = Stopwatch.GetTimestamp();
            if (i < 0)
            {
                continue;
            }


            var calls = upstream.Calls;
            Add("start → upstream call 1 (resolve tools: pooled connection, cached list; offer tools; build body)", calls[0].Sent - start);
            for (var c = 0; c < calls.Count; c++)
            {
                Add($"upstream call {c + 1}: send → response headers (serialize body, retry pipeline, HTTP)", calls[c].Returned - calls[c].Sent);
            }

            var firstText = events.FindIndex(e => e.Event is ContentDelta { FromModel: true });
            var started = events.FindIndex(e => e.Event is ToolCallStarted);
            if (started >= 0)
            {
                var completed = events.FindIndex(e => e.Event is ToolCallCompleted);
                var round = events.FindIndex(e => e.Event is RoundCompleted);
                var call = (ToolCallCompleted)events[completed].Event;
                Add("upstream call 1 headers → ToolCallStarted (read the tool-call stream; tools/call already sent)", events[started].At - calls[0].Returned);
                Add("ToolCallStarted → ToolCallCompleted (rest of tools/call of echo, markdown)", events[completed].At - events[started].At);
                Add("  tools/call as the executor timed it (ToolCallCompleted.Duration)", (long)(call.Duration.TotalSeconds * Stopwatch.Frequency));
                Add("ToolCallCompleted → RoundCompleted", events[round].At - events[completed].At);
                Add("RoundCompleted → upstream call 2 (build the second body)", calls[1].Sent - events[round].At);
            }

            var last = calls[^1];
            var finished = events.FindIndex(e => e.Event is CompletionFinished);
            if (started < 0 && firstText >= 0)
            {
                Add("upstream call 1 headers → first model text (what the handler waits for before its headers)", events[firstText].At - last.Returned);
                Add("first model text → CompletionFinished (rest of the answer stream)", events[finished].At - events[firstText].At);
            }
            else
            {
                Add($"upstream call {calls.Count} headers → CompletionFinished (read the answer stream)", events[finished].At - last.Returned);
            }

            Add("CompletionFinished → run ended (observers, dispose)", end - events[finished].At);
            Add("whole run (no request parsing, no output)", end - start);
            if (i == iterations - 1)
            {
                lastEvents.AddRange(events.Select(e => e.Event));
            }
        }

        return steps.Select(s => BreakdownRow.From(group, s.Key, s.Value));
    }

    /// <summary>The body of the engine's first upstream call for <paramref name="request"/>.</summary>
    private static async Task<JsonObject> FirstUpstreamBodyAsync(McpCompletionsEngine engine, byte[] request, CancellationToken cancellationToken)
    {
        var capture = new CapturingUpstream();
        var parsed = ChatCompletionRequestParser.Parse((JsonObject)JsonNode.Parse(request)!);
        try
        {
            await foreach (var _ in engine.RunAsync(parsed.Run, new CompletionRunContext("local"), capture, cancellationToken))
            {
            }
        }
        catch (UpstreamException)
        {
            // The capturing upstream answers 500 on purpose: only the body was wanted.
        }

        return capture.Body ?? throw new InvalidOperationException("The engine made no upstream call.");
    }

    private BreakdownRow Measure(string group, string step, Action action)
    {
        for (var i = 0; i < warmup; i++)
        {
            action();
        }

        var ticks = new long[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        return BreakdownRow.From(group, step, ticks);
    }

    private async Task<BreakdownRow> MeasureAsync(string group, string step, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        for (var i = 0; i < warmup; i++)
        {
            await action(cancellationToken);
        }

        var ticks = new long[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action(cancellationToken);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        return BreakdownRow.From(group, step, ticks);
    }

    private static async Task WriteSseAsync(IReadOnlyList<CompletionEvent> events, Stream destination, CancellationToken cancellationToken)
    {
        var run = await StartedRun.StartAsync(events.ToAsyncEnumerable(), cancellationToken);
        await using (run)
        {
            await ChatCompletionSseWriter.WriteAsync(run, new ChatCompletionChunkWriter("chatcmpl-x", "fake-model", 0, includeUsage: true), destination,
                TimeSpan.FromSeconds(15), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>Like the handler: a task pumps the SSE text into a Pipe while the caller reads the pipe as a stream.</summary>
    private static async Task WriteSseThroughPipeAsync(IReadOnlyList<CompletionEvent> events, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        var pump = Task.Run(async () =>
        {
            try
            {
                await WriteSseAsync(events, pipe.Writer.AsStream(leaveOpen: true), cancellationToken);
            }
            finally
            {
                await pipe.Writer.CompleteAsync();
            }
        }, cancellationToken);
        await using (var reader = pipe.Reader.AsStream())
        {
            await reader.CopyToAsync(Stream.Null, cancellationToken);
        }

        await pump;
    }
}
