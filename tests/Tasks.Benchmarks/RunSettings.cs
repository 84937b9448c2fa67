using System.Globalization;

namespace McpSubAgent.Tasks.Benchmarks;

/// <summary>The command line: which worker concurrencies to run, and the shape of each run.</summary>
internal sealed record RunSettings
{
    public const string Usage = """
        Usage: dotnet run -c Release --project tests/Tasks.Benchmarks -- [options]
          --concurrency N[,N...]   Tasks:WorkerConcurrency per run (default 4,64,1000)
          --poll-ms N              Tasks:PollInterval in ms for runs with concurrency > 4 (default 100; 0 = server default)
          --tasks N                tasks per run (default 1000)
          --llm-delay-ms N         the fake LLM's delay before its answer (default 1000)
          --clients N              signed-in MCP clients that start the tasks (default 4)
          --in-flight N            start_agent_task calls in flight at once (default 32)
          --warmup N               tasks per warm-up round, run to their end before the clock starts, each round
                                   followed by a wait until the JIT has settled; rounds (at most 4) go on until one
                                   compiles fewer than 200 methods, so that the measured tasks run on optimized code
                                   as in a server that has been up for a while (default 200; 0 = none)
          --timeout-s N            give up on a run after this many seconds (default 600)
          --data-dir PATH          where the run's SQLite file goes (default: a new folder under the system temp folder)
          --database NAME          sqlite (default) or postgresql
          --postgres CONNECTION    with postgresql: a connection string of the server's maintenance database, e.g.
                                   "Host=127.0.0.1;Port=5432;Username=postgres"; each run creates a database of its own
          --replicas N             servers sharing the run's database, the clients spread over them (default 1);
                                   --concurrency is per replica
        """;

    public IReadOnlyList<int> Concurrencies { get; init; } = [4, 64, 1000];

    public int PollMilliseconds { get; init; } = 100;

    public int Tasks { get; init; } = 1000;

    public TimeSpan LlmDelay { get; init; } = TimeSpan.FromSeconds(1);

    public int Clients { get; init; } = 4;

    public int InFlight { get; init; } = 32;

    public int Warmup { get; init; } = 200;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public string? DataDirectory { get; init; }

    public bool PostgreSql { get; init; }

    public string? PostgresConnection { get; init; }

    public int Replicas { get; init; } = 1;

    public static RunSettings? Parse(string[] args, out string? problem)
    {
        problem = null;
        var settings = new RunSettings();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                return null;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"{name} needs a value.";
                return null;
            }

            var value = args[++i];
            try
            {
                settings = name switch
                {
                    "--concurrency" => settings with { Concurrencies = [.. value.Split(',').Select(Positive)] },
                    "--poll-ms" => settings with { PollMilliseconds = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--tasks" => settings with { Tasks = Positive(value) },
                    "--llm-delay-ms" => settings with { LlmDelay = TimeSpan.FromMilliseconds(Positive(value)) },
                    "--clients" => settings with { Clients = Positive(value) },
                    "--in-flight" => settings with { InFlight = Positive(value) },
                    "--warmup" => settings with { Warmup = int.Parse(value, CultureInfo.InvariantCulture) is >= 0 and var warmup ? warmup : throw new FormatException("--warmup is 0 or more.") },
                    "--timeout-s" => settings with { Timeout = TimeSpan.FromSeconds(Positive(value)) },
                    "--data-dir" => settings with { DataDirectory = value },
                    "--database" => settings with
                    {
                        PostgreSql = value.ToUpperInvariant() switch
                        {
                            "POSTGRESQL" => true,
                            "SQLITE" => false,
                            _ => throw new FormatException($"--database is sqlite or postgresql, not {value}."),
                        },
                    },
                    "--postgres" => settings with { PostgresConnection = value },
                    "--replicas" => settings with { Replicas = Positive(value) },
                    _ => throw new FormatException($"Unknown option {name}."),
                };
            }
            catch (FormatException ex)
            {
                problem = ex.Message;
                return null;
            }
        }

        if (settings.PostgreSql && string.IsNullOrWhiteSpace(settings.PostgresConnection))
        {
            problem = "--database postgresql needs --postgres with the server's connection string.";
            return null;
        }

        return settings;
    }

    private static int Positive(string value)
    {
        var number = int.Parse(value, CultureInfo.InvariantCulture);
        return number > 0 ? number : throw new FormatException($"{value} is not a positive number.");
    }
}
