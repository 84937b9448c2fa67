using System.Globalization;
using McpSubAgent.Completions.Benchmarks.Measurement;

namespace McpSubAgent.Completions.Benchmarks.Breakdown;

/// <summary>One measured step of the breakdown, in microseconds.</summary>
internal sealed record BreakdownRow(string Group, string Step, double P50, double P90, double Mean)
{
    public static BreakdownRow From(string group, string step, IEnumerable<long> ticks)
    {
        var summary = LatencySummary.FromTicks(ticks);
        return new BreakdownRow(group, step, summary.P50 * 1000, summary.P90 * 1000, summary.Mean * 1000);
    }

    public static void WriteTable(TextWriter output, IEnumerable<BreakdownRow> rows)
    {
        output.WriteLine("| Part | Step | p50 µs | p90 µs | mean µs |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Group} | {row.Step} | {row.P50:0.0} | {row.P90:0.0} | {row.Mean:0.0} |"));
        }
    }
}
