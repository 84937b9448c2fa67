using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace McpSubAgent.Tasks.Benchmarks;

/// <summary>
/// Starts many durable agent tasks at once through the MCP tool <c>start_agent_task</c> against the fake LLM answering
/// after a fixed delay, waits until all have ended, and reports the total time against the ideal and the peak memory.
/// Server, fake LLM and clients run in this one process on 127.0.0.1. See docs/benchmarks.md.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // The report is this program's output (not diagnostics), so it goes to standard output on purpose.
        var output = Console.Out;
        var error = Console.Error;
        var settings = RunSettings.Parse(args, out var problem);
        if (settings is null)
        {
            if (!string.IsNullOrEmpty(problem))
            {
                error.WriteLine(problem);
            }

            error.WriteLine(RunSettings.Usage);
            return string.IsNullOrEmpty(problem) ? 0 : 2;
        }

        // WebApplicationFactory finds the server's content root through MvcTestingAppManifest.json in the current directory.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        output.WriteLine($"{Environment.ProcessorCount} processors, {RuntimeInformation.FrameworkDescription}, "
            + $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, {settings.Tasks} tasks per run, LLM delay {settings.LlmDelay.TotalMilliseconds:0} ms, "
            + $"{settings.Clients} MCP clients with {settings.InFlight} start calls in flight, "
            + $"{settings.Replicas} replica(s) on {(settings.PostgreSql ? "PostgreSQL" : $"SQLite under {settings.DataDirectory ?? Path.GetTempPath()}")}");
        var results = new List<RunResult>();
        foreach (var concurrency in settings.Concurrencies)
        {
            output.WriteLine($"Run: Tasks:WorkerConcurrency = {concurrency} per replica");
            var result = await new TaskRun(settings, concurrency, output).RunAsync(stop.Token);
            results.Add(result);
            output.WriteLine($"  total {result.Total.TotalSeconds:0.00} s (ideal {result.Ideal.TotalSeconds:0.00} s), "
                + $"{string.Join(", ", result.ByStatus.Select(s => $"{s.Value} {s.Key}"))}{(result.TimedOut ? ", TIMED OUT" : "")}");
        }

        output.WriteLine();
        output.WriteLine("| Worker concurrency | Poll interval | Tasks ended (completed) | LLM requests | Starts took (s) | Total (s) | Ideal (s) | Total / ideal | Task latency p50 / max (s) | Working set before → max (MB) | Process peak working set (MB) | Max managed heap (MB) | Gen2 GCs | CPU (s) |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var ended = r.ByStatus.Where(s => s.Key is "completed" or "failed" or "cancelled").Sum(s => s.Value);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Concurrency} | {(r.PollInterval is { } p ? $"{p.TotalMilliseconds:0} ms" : "1 s (default)")} | {ended} ({r.ByStatus.GetValueOrDefault("completed")}){(r.TimedOut ? " timed out" : "")} | {r.LlmRequests} "
                + $"| {r.StartPhase.TotalSeconds:0.00} | {r.Total.TotalSeconds:0.00} | {r.Ideal.TotalSeconds:0.00} | {r.Total / r.Ideal:0.00} "
                + $"| {r.MedianLatency.TotalSeconds:0.00} / {r.MaxLatency.TotalSeconds:0.00} | {Mb(r.WorkingSetBefore)} → {Mb(r.MaxWorkingSet)} | {Mb(r.PeakWorkingSetOfProcess)} "
                + $"| {Mb(Math.Max(r.MaxManagedHeap, r.MaxGcHeapSize))} | {r.Gen2Collections} | {r.CpuTime.TotalSeconds:0.0} |"));
        }

        output.WriteLine();
        output.WriteLine("Ideal: LLM delay × ceil(tasks / (worker concurrency × replicas)). Max working set and managed heap are sampled every 20 ms during the run; "
            + "the process peak is Process.PeakWorkingSet64 since the process started (it includes earlier runs).");
        return results.All(r => !r.TimedOut && r.ByStatus.GetValueOrDefault("completed") == r.Tasks) ? 0 : 1;
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0", CultureInfo.InvariantCulture);
}
