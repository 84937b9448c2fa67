namespace McpSubAgent.Completions.Benchmarks.Measurement;

/// <summary>What one scenario measured.</summary>
/// <param name="Name">The scenario's command-line name.</param>
/// <param name="Description">What the two sides of the comparison do.</param>
/// <param name="Direct">End-to-end time of the work done directly (the baseline).</param>
/// <param name="Handler">End-to-end time of the same work through the handler.</param>
/// <param name="Added">Per-iteration differences handler − direct (the two ran back to back, in alternating order).</param>
/// <param name="AddedToHeaders">Per-iteration differences of the time until the response headers arrived.</param>
/// <param name="DirectReads">Median number of response-body reads that returned data, direct side (both LLM calls in a tool round).</param>
/// <param name="HandlerReads">Median number of response-body reads that returned data, handler side.</param>
/// <param name="NewLlmConnections">TCP connections the fake LLM accepted during the measured iterations.</param>
/// <param name="NewMcpConnections">TCP connections the MCP server accepted during the measured iterations.</param>
/// <param name="DirectCost">Process CPU and allocations per request of the direct side run alone.</param>
/// <param name="HandlerCost">Process CPU and allocations per request of the handler side run alone.</param>
/// <param name="Details">Scenario-specific lines about the measured iterations (sub-step timings).</param>
/// <param name="Extras">The scenario's further sides, each compared with the direct side and with the handler.</param>
/// <param name="Elapsed">Wall time of the scenario, warm-up included.</param>
internal sealed record ScenarioResult(
    string Name,
    string Description,
    LatencySummary Direct,
    LatencySummary Handler,
    LatencySummary Added,
    LatencySummary AddedToHeaders,
    int DirectReads,
    int HandlerReads,
    long NewLlmConnections,
    long NewMcpConnections,
    ResourceCost DirectCost,
    ResourceCost HandlerCost,
    IReadOnlyList<string> Details,
    IReadOnlyList<SideResult> Extras,
    TimeSpan Elapsed)
{
    /// <summary>The target of the issue: under 1 ms added at the median.</summary>
    public const double TargetMilliseconds = 1.0;

    public double MedianDifference => Handler.P50 - Direct.P50;

    public bool MeetsTarget => Added.P50 < TargetMilliseconds;
}

/// <summary>A further side of a scenario: its time, its paired difference to the direct side, and the handler's to it.</summary>
internal sealed record SideResult(string Name, LatencySummary Time, LatencySummary MinusDirect, LatencySummary HandlerMinusThis);
