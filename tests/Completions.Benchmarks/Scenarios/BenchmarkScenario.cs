using System.Diagnostics;
using McpSubAgent.Completions.Benchmarks.Breakdown;
using McpSubAgent.Completions.Benchmarks.Measurement;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.Completions.Benchmarks.Scenarios;

/// <summary>
/// One comparison: a piece of work done directly against the fake servers, and the same work through the engine's
/// handler. Both sides time one whole request, from building it to reading its last byte.
/// </summary>
/// <summary>A further side of a scenario: a name and one timed request.</summary>
internal sealed record ScenarioSide(string Name, Func<CancellationToken, Task<Sample>> RunAsync);

internal abstract class BenchmarkScenario(BenchmarkHost host) : IAsyncDisposable
{
    /// <summary>Read buffer for draining responses; requests run one at a time.</summary>
    private readonly byte[] _buffer = new byte[16 * 1024];

    /// <summary>Phases of <see cref="EngineRunAsync"/>'s runs (Stopwatch ticks), by name.</summary>
    private readonly Dictionary<string, List<long>> _enginePhases = [];

    /// <summary>The command-line name.</summary>
    public abstract string Name { get; }

    /// <summary>What the direct side and the handler side each do.</summary>
    public abstract string Description { get; }

    protected BenchmarkHost Host { get; } = host;

    /// <summary>Runs both sides once, checks their answers, and prepares what the timed iterations send.</summary>
    public abstract Task PrepareAsync(CancellationToken cancellationToken);

    public abstract Task<Sample> DirectAsync(CancellationToken cancellationToken);

    public abstract Task<Sample> ThroughHandlerAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Further sides run in the same interleaved loop, each reported as a paired difference to the direct side: they
    /// split the handler's added time into parts.
    /// </summary>
    public virtual IReadOnlyList<ScenarioSide> ExtraSides => [];

    /// <summary>Called after the warm-up, before the measured iterations.</summary>
    public virtual void StartMeasuring() => _enginePhases.Clear();

    /// <summary>Extra lines for the console report (sub-step timings of the measured iterations).</summary>
    public virtual IEnumerable<string> Details() => _enginePhases.Select(p =>
        $"engine.RunAsync phase {p.Key}: p50 {LatencySummary.FromTicks(p.Value).P50:0.000} ms");

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected Task<Sample> PostAsync(HttpClient client, byte[] body, CancellationToken cancellationToken) =>
        ChatRequests.TimedPostAsync(client, Host.ChatCompletionsUrl, body, _buffer, cancellationToken);

    /// <summary>
    /// The engine without the handler: parses <paramref name="request"/>, runs it against a plain HttpClient upstream to
    /// the same LLM and drains its events (no SSE or JSON output, no pipe).
    /// </summary>
    protected async Task<Sample> EngineRunAsync(byte[] request, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var parsed = ChatCompletionRequestParser.Parse(request);
        var upstream = new TimedUpstream(Host.EngineUpstream);
        var parsedAt = Stopwatch.GetTimestamp();
        long first = 0;
        var events = 0;
        await foreach (var _ in Host.Engine.RunAsync(parsed.Run, new CompletionRunContext("local"), upstream, cancellationToken))
        {
            if (events++ == 0)
            {
                first = Stopwatch.GetTimestamp();
            }
        }

        var sample = Sample.Since(start, first, 0);
        var end = start + sample.TotalTicks;
        Phase("1 parse", parsedAt - start);
        Phase("2 run start → upstream call 1 (resolve, offer tools, build body)", upstream.Calls[0].Sent - parsedAt);
        for (var c = 0; c < upstream.Calls.Count; c++)
        {
            Phase($"3 upstream call {c + 1}: send → response headers", upstream.Calls[c].Returned - upstream.Calls[c].Sent);
        }

        Phase($"4 last upstream call's headers → run ended", end - upstream.Calls[^1].Returned);
        return sample;
    }

    private void Phase(string name, long ticks)
    {
        if (!_enginePhases.TryGetValue(name, out var list))
        {
            _enginePhases[name] = list = [];
        }

        list.Add(ticks);
    }

    protected static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
