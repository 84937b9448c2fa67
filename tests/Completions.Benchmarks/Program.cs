using McpSubAgent.Completions.Benchmarks.Breakdown;
using McpSubAgent.Completions.Benchmarks.Measurement;
using McpSubAgent.Completions.Benchmarks.Scenarios;

namespace McpSubAgent.Completions.Benchmarks;

/// <summary>
/// A load loop (sequential requests, paired per iteration) that measures what the engine's handler adds to a request,
/// against the zero-latency fake LLM and the test MCP server on loopback, then breaks the engine's time down into
/// steps. See docs/benchmarks.md.
/// </summary>
internal static class Program
{
    private static readonly (string Name, Func<BenchmarkHost, BenchmarkScenario> Create)[] Catalogue =
    [
        ("passthrough-stream", h => new PassThroughScenario(h)),
        ("mcp-answer-stream", h => new McpAnswerScenario(h, stream: true)),
        ("mcp-answer-json", h => new McpAnswerScenario(h, stream: false)),
        ("mcp-tool-round-stream", h => new McpToolRoundScenario(h)),
    ];

    public static async Task<int> Main(string[] args)
    {
        // The report is this program's output (not diagnostics), so it goes to standard output on purpose.
        var output = Console.Out;
        var error = Console.Error;
        var settings = BenchmarkSettings.Parse(args, out var problem);
        if (settings is null)
        {
            if (!string.IsNullOrEmpty(problem))
            {
                error.WriteLine(problem);
            }

            error.WriteLine(BenchmarkSettings.Usage);
            error.WriteLine($"Scenarios: {string.Join(", ", Catalogue.Select(c => c.Name))}");
            return string.IsNullOrEmpty(problem) ? 0 : 2;
        }

        var unknown = settings.Scenarios?.Where(s => !Catalogue.Any(c => string.Equals(c.Name, s, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown is { Count: > 0 })
        {
            error.WriteLine($"Unknown scenario(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Catalogue.Select(c => c.Name))}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        ResultReport.WriteEnvironment(output, settings.Iterations, settings.Warmup);
        using var connections = new ConnectionCounter();
        var runner = new PairedRunner(settings.Iterations, settings.Warmup, settings.CostRequests, connections);
        var results = new List<ScenarioResult>();
        foreach (var mode in settings.Modes)
        {
            foreach (var (name, create) in Catalogue.Where(c => settings.Includes(c.Name)))
            {
                // Fresh servers and clients per scenario, so that no scenario inherits another's heap or connections.
                await using var host = await BenchmarkHost.StartAsync(mode, stop.Token);
                await using var scenario = create(host);
                var result = await runner.RunAsync(scenario, host, stop.Token);
                if (mode != LlmMode.Loopback)
                {
                    result = result with { Name = $"{result.Name} @{mode.ToString().ToLowerInvariant()}", Description = $"LLM: {mode}. {result.Description}" };
                }

                ResultReport.WriteScenario(output, result);
                results.Add(result);
            }
        }

        IReadOnlyList<BreakdownRow> breakdown = [];
        if (settings.BreakdownIterations > 0)
        {
            breakdown = await new EngineBreakdown(settings.BreakdownIterations, Math.Max(50, settings.BreakdownIterations / 10)).RunAsync(stop.Token);
        }

        output.WriteLine("## Added time per request (ms; paired = handler − direct per iteration)");
        output.WriteLine();
        ResultReport.WriteTable(output, results);
        output.WriteLine();
        output.WriteLine("## Process CPU and allocations per request (each side run alone; client, engine and fake servers share the process)");
        output.WriteLine();
        ResultReport.WriteCostTable(output, results);
        if (breakdown.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"## Engine breakdown (in process, LLM replayed from memory, MCP server on loopback; {settings.BreakdownIterations} iterations per step)");
            output.WriteLine();
            BreakdownRow.WriteTable(output, breakdown);
        }

        output.WriteLine();
        output.WriteLine(ResultReport.LoadAverage());
        return 0;
    }
}
