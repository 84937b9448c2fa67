using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace McpSubAgent.Completions.Benchmarks.Measurement;

/// <summary>Writes results as text while running and as a markdown table at the end.</summary>
internal static class ResultReport
{
    public static void WriteEnvironment(TextWriter output, int iterations, int warmup)
    {
        output.WriteLine($"# McpSubAgent.Completions benchmark");
        output.WriteLine($"runtime {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}, "
            + $"{Environment.ProcessorCount} logical CPUs, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, "
            + $"{iterations} measured + {warmup} warm-up iterations per scenario, requests one at a time");
        output.WriteLine(LoadAverage());
        output.WriteLine();
    }

    /// <summary>The machine's load average (Linux), to tell whether other work shared the CPUs during the run.</summary>
    public static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path)
            ? $"load average (1, 5, 15 min) {string.Join(' ', File.ReadAllText(path).Split(' ').Take(3))} at {TimeProvider.System.GetUtcNow():HH:mm:ss} UTC"
            : "load average unknown";
    }

    public static void WriteScenario(TextWriter output, ScenarioResult result)
    {
        output.WriteLine($"## {result.Name}  ({result.Elapsed.TotalSeconds:0.0} s)");
        output.WriteLine(result.Description);
        output.WriteLine($"  direct         {Line(result.Direct)}");
        output.WriteLine($"  handler        {Line(result.Handler)}");
        output.WriteLine($"  added (paired) {Line(result.Added)}");
        output.WriteLine($"  added until response headers (paired): p50 {Ms(result.AddedToHeaders.P50)}, p90 {Ms(result.AddedToHeaders.P90)}");
        output.WriteLine($"  response-body reads that returned data (median): direct {result.DirectReads}, handler {result.HandlerReads}");
        output.WriteLine($"  difference of medians {Ms(result.MedianDifference)}; new TCP connections while measuring: "
            + $"fake LLM {result.NewLlmConnections}, MCP server {result.NewMcpConnections}");
        output.WriteLine($"  per request, each side alone ({result.DirectCost.Requests} requests): process CPU direct {Us(result.DirectCost.CpuMicroseconds)}, "
            + $"handler {Us(result.HandlerCost.CpuMicroseconds)} (+{Us(result.HandlerCost.CpuMicroseconds - result.DirectCost.CpuMicroseconds)}); "
            + $"allocated direct {Kb(result.DirectCost.AllocatedKilobytes)}, handler {Kb(result.HandlerCost.AllocatedKilobytes)} "
            + $"(+{Kb(result.HandlerCost.AllocatedKilobytes - result.DirectCost.AllocatedKilobytes)}); "
            + $"gen0 GCs per 1000 requests direct {result.DirectCost.Gen0PerThousand:0.#}, handler {result.HandlerCost.Gen0PerThousand:0.#}");
        foreach (var extra in result.Extras)
        {
            output.WriteLine($"  {extra.Name}: {Line(extra.Time)}");
            output.WriteLine($"    it − direct (paired): p50 {Ms(extra.MinusDirect.P50)}, p90 {Ms(extra.MinusDirect.P90)}; "
                + $"handler − it (paired): p50 {Ms(extra.HandlerMinusThis.P50)}, p90 {Ms(extra.HandlerMinusThis.P90)}");
        }

        foreach (var line in result.Details)
        {
            output.WriteLine($"  {line}");
        }

        output.WriteLine($"  target: added p50 < {result.TargetText()} → {(result.MeetsTarget ? "met" : "MISSED")}");
        output.WriteLine();
    }

    public static void WriteTable(TextWriter output, IReadOnlyList<ScenarioResult> results)
    {
        output.WriteLine("| Scenario | Direct p50 / p90 / p99 (ms) | Handler p50 / p90 / p99 (ms) | Added p50 / p90 / p99, paired (ms) | Δ of medians (ms) | New conns LLM / MCP | < 1 ms at p50 |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            output.WriteLine($"| {r.Name} | {Triple(r.Direct)} | {Triple(r.Handler)} | {Triple(r.Added)} | {Ms(r.MedianDifference)} | "
                + $"{r.NewLlmConnections} / {r.NewMcpConnections} | {(r.MeetsTarget ? "yes" : "**no**")} |");
        }
    }

    public static void WriteCostTable(TextWriter output, IReadOnlyList<ScenarioResult> results)
    {
        output.WriteLine("| Scenario | CPU µs/request direct → handler (added) | KB allocated/request direct → handler (added) |");
        output.WriteLine("|---|---|---|");
        foreach (var r in results)
        {
            output.WriteLine($"| {r.Name} | {r.DirectCost.CpuMicroseconds:0} → {r.HandlerCost.CpuMicroseconds:0} (+{r.HandlerCost.CpuMicroseconds - r.DirectCost.CpuMicroseconds:0}) | "
                + $"{r.DirectCost.AllocatedKilobytes:0.0} → {r.HandlerCost.AllocatedKilobytes:0.0} (+{r.HandlerCost.AllocatedKilobytes - r.DirectCost.AllocatedKilobytes:0.0}) |");
        }
    }

    private static string Us(double microseconds) => $"{microseconds.ToString("0", CultureInfo.InvariantCulture)} µs";

    private static string Kb(double kilobytes) => $"{kilobytes.ToString("0.0", CultureInfo.InvariantCulture)} KB";

    private static string TargetText(this ScenarioResult _) => $"{ScenarioResult.TargetMilliseconds:0.###} ms";

    private static string Line(LatencySummary s) =>
        $"p50 {Ms(s.P50)}  p90 {Ms(s.P90)}  p99 {Ms(s.P99)}  min {Ms(s.Min)}  max {Ms(s.Max)}  mean {Ms(s.Mean)}";

    private static string Triple(LatencySummary s) => $"{Ms(s.P50)} / {Ms(s.P90)} / {Ms(s.P99)}";

    private static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture);
}
