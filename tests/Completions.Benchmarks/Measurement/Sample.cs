using System.Diagnostics;

namespace McpSubAgent.Completions.Benchmarks.Measurement;

/// <summary>
/// One timed request: Stopwatch ticks until the response headers arrived and until its last byte was read, and how
/// many reads of the response body returned data (one per network packet or flush the client saw, roughly).
/// </summary>
internal readonly record struct Sample(long HeadersTicks, long TotalTicks, int Reads)
{
    public static Sample Since(long start, long headers, int reads) =>
        new(headers - start, Stopwatch.GetTimestamp() - start, reads);
}
