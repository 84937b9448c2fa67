using System.Globalization;
using McpSubAgent.Completions.Benchmarks.Scenarios;

namespace McpSubAgent.Completions.Benchmarks;

/// <summary>Command-line settings of a run: <c>--iterations N --warmup N --scenario name[,name]</c>.</summary>
internal sealed record BenchmarkSettings(int Iterations, int Warmup, int CostRequests, int BreakdownIterations, IReadOnlyList<LlmMode> Modes, IReadOnlySet<string>? Scenarios)
{
    public const int DefaultIterations = 5000;
    public const int DefaultWarmup = 500;
    public const int DefaultCostRequests = 1000;
    public const int DefaultBreakdownIterations = 2000;

    public const string Usage = """
        Usage: dotnet run -c Release --project tests/Completions.Benchmarks -- [options]
          --iterations N   measured (paired) iterations per scenario (default 5000)
          --warmup N       unmeasured iterations per scenario first (default 500)
          --cost N         requests per side, run alone, for CPU and allocations per request (default 1000)
          --llm L[,L]      which fake LLM: loopback (its answers replayed by Kestrel on 127.0.0.1), memory (replayed in
                           process), scripted (the scripted fake itself; it keeps every request, so the heap grows);
                           default loopback,memory
          --breakdown N    iterations of each engine breakdown step (default 2000; 0 skips the breakdown)
          --scenario S     run only these scenarios (comma-separated names, repeatable)
          --help           show this text
        """;

    public bool Includes(string scenario) => Scenarios is null || Scenarios.Contains(scenario);

    /// <summary>Parses the arguments; null with <paramref name="error"/> set when they are wrong or help was asked.</summary>
    public static BenchmarkSettings? Parse(IReadOnlyList<string> args, out string? error)
    {
        var iterations = DefaultIterations;
        var warmup = DefaultWarmup;
        var costRequests = DefaultCostRequests;
        var breakdown = DefaultBreakdownIterations;
        List<LlmMode> modes = [LlmMode.Loopback, LlmMode.Memory];
        HashSet<string>? scenarios = null;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Next()
            {
                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{arg} needs a value.");
                }

                return args[++i];
            }

            try
            {
                switch (arg)
                {
                    case "--iterations" or "-n":
                        iterations = PositiveInt(Next(), arg, allowZero: false);
                        break;
                    case "--warmup" or "-w":
                        warmup = PositiveInt(Next(), arg, allowZero: true);
                        break;
                    case "--cost":
                        costRequests = PositiveInt(Next(), arg, allowZero: false);
                        break;
                    case "--breakdown":
                        breakdown = PositiveInt(Next(), arg, allowZero: true);
                        break;
                    case "--llm":
                        modes = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m switch
                        {
                            "loopback" => LlmMode.Loopback,
                            "memory" => LlmMode.Memory,
                            "scripted" => LlmMode.Scripted,
                            var other => throw new FormatException($"--llm takes loopback, memory or scripted, not '{other}'."),
                        }).Distinct()];
                        break;
                    case "--scenario" or "-s":
                        scenarios ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                        foreach (var name in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            scenarios.Add(name);
                        }

                        break;
                    case "--help" or "-h":
                        error = "";
                        return null;
                    default:
                        throw new FormatException($"Unknown argument '{arg}'.");
                }
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                return null;
            }
        }

        return new BenchmarkSettings(iterations, warmup, costRequests, breakdown, modes, scenarios);
    }

    private static int PositiveInt(string text, string name, bool allowZero) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && (value > 0 || (allowZero && value == 0))
            ? value
            : throw new FormatException($"{name} must be a whole number {(allowZero ? "≥ 0" : "> 0")}, not '{text}'.");
}
