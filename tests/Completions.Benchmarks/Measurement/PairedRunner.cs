using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using McpSubAgent.Completions.Benchmarks.Scenarios;

namespace McpSubAgent.Completions.Benchmarks.Measurement;

/// <summary>
/// Runs a scenario's two sides back to back, one request at a time: a warm-up first, then the measured iterations,
/// alternating which side goes first so that neither always meets a just-warmed (or just-disturbed) process.
/// </summary>
internal sealed class PairedRunner(int iterations, int warmup, int costRequests, ConnectionCounter connections)
{
    public async Task<ScenarioResult> RunAsync(BenchmarkScenario scenario, BenchmarkHost host, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await scenario.PrepareAsync(cancellationToken);
        for (var i = 0; i < warmup; i++)
        {
            await scenario.DirectAsync(cancellationToken);
            await scenario.ThroughHandlerAsync(cancellationToken);
        }

        // Start from a clean heap so that garbage from setup and warm-up is not collected inside the measurement.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        scenario.StartMeasuring();
        var llmConnections = connections.Accepted(host.LlmPort);
        var mcpConnections = connections.Accepted(host.McpPort);
        var extras = scenario.ExtraSides;
        var sides = new List<Func<CancellationToken, Task<Sample>>> { scenario.DirectAsync, scenario.ThroughHandlerAsync };
        sides.AddRange(extras.Select(e => e.RunAsync));
        var samples = sides.Select(_ => new Sample[iterations]).ToArray();
        var gcPause = GC.GetTotalPauseDuration();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
        var toolLists = host.Mcp.ListToolsCount;
        var toolCalls = host.Mcp.Calls.Count;
        for (var i = 0; i < iterations; i++)
        {
            // Rotate the order, so that no side always runs first (with two sides: direct first on even iterations).
            for (var k = 0; k < sides.Count; k++)
            {
                var side = (i + k) % sides.Count;
                samples[side][i] = await sides[side](cancellationToken);
            }
        }

        var gcLine = string.Create(CultureInfo.InvariantCulture,
            $"GC while measuring: {GC.CollectionCount(0) - gen0} gen0 / {GC.CollectionCount(1) - gen1} gen1 / {GC.CollectionCount(2) - gen2} gen2 collections, "
            + $"{(GC.GetTotalPauseDuration() - gcPause).TotalMilliseconds:0} ms paused in total, heap {heapBefore / 1048576.0:0} → {GC.GetTotalMemory(forceFullCollection: false) / 1048576.0:0} MB");
        var direct = samples[0];
        var handler = samples[1];
        var extraResults = extras.Select((e, k) => new SideResult(
            e.Name,
            LatencySummary.FromTicks(samples[k + 2].Select(s => s.TotalTicks)),
            LatencySummary.FromTicks(direct.Zip(samples[k + 2], (d, x) => x.TotalTicks - d.TotalTicks)),
            LatencySummary.FromTicks(samples[k + 2].Zip(handler, (x, h) => h.TotalTicks - x.TotalTicks)))).ToList();

        var details = scenario.Details().ToList();
        details.Insert(0, gcLine);
        details.Insert(0, $"MCP server while measuring: {host.Mcp.ListToolsCount - toolLists} tools/list, {host.Mcp.Calls.Count - toolCalls} tools/call");
        details.Insert(0, string.Create(CultureInfo.InvariantCulture,
            $"direct side: start → response headers p50 {LatencySummary.FromTicks(direct.Select(s => s.HeadersTicks)).P50:0.000} ms, "
            + $"headers → end p50 {LatencySummary.FromTicks(direct.Select(s => s.TotalTicks - s.HeadersTicks)).P50:0.000} ms"));
        var llmConnectionsAfter = connections.Accepted(host.LlmPort);
        var mcpConnectionsAfter = connections.Accepted(host.McpPort);

        // Each side alone, for its CPU and allocations (the paired loop above mixes them).
        var directCost = await ResourceCost.MeasureAsync(costRequests, scenario.DirectAsync, cancellationToken);
        var handlerCost = await ResourceCost.MeasureAsync(costRequests, scenario.ThroughHandlerAsync, cancellationToken);

        return new ScenarioResult(
            scenario.Name,
            scenario.Description,
            LatencySummary.FromTicks(direct.Select(s => s.TotalTicks)),
            LatencySummary.FromTicks(handler.Select(s => s.TotalTicks)),
            LatencySummary.FromTicks(direct.Zip(handler, (d, h) => h.TotalTicks - d.TotalTicks)),
            LatencySummary.FromTicks(direct.Zip(handler, (d, h) => h.HeadersTicks - d.HeadersTicks)),
            Median(direct.Select(s => s.Reads)),
            Median(handler.Select(s => s.Reads)),
            llmConnectionsAfter - llmConnections,
            mcpConnectionsAfter - mcpConnections,
            directCost,
            handlerCost,
            details,
            extraResults,
            Stopwatch.GetElapsedTime(started));
    }

    private static int Median(IEnumerable<int> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(sorted.Length - 1) / 2];
    }
}
