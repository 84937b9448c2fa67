using System.Diagnostics;

namespace McpSubAgent.Completions.Benchmarks.Measurement;

/// <summary>Percentiles (nearest rank) of a set of durations, in milliseconds.</summary>
internal sealed record LatencySummary(int Count, double Min, double P50, double P90, double P99, double Max, double Mean)
{
    private static readonly double MillisecondsPerTick = 1000.0 / Stopwatch.Frequency;

    /// <summary>Summarises Stopwatch tick counts (which may be negative, for differences).</summary>
    public static LatencySummary FromTicks(IEnumerable<long> ticks)
    {
        var sorted = ticks.Select(t => t * MillisecondsPerTick).Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("No samples.", nameof(ticks));
        }

        return new LatencySummary(
            sorted.Length,
            sorted[0],
            Percentile(sorted, 50),
            Percentile(sorted, 90),
            Percentile(sorted, 99),
            sorted[^1],
            sorted.Average());
    }

    /// <summary>The nearest-rank percentile of an ascending array.</summary>
    private static double Percentile(double[] sorted, int percent)
    {
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
