using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using McpSubAgent.Testing.Llm;
using Microsoft.Data.Sqlite;
using Npgsql;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Tasks.Benchmarks;

/// <summary>
/// One run: fresh servers (one or more replicas on a fresh SQLite file or PostgreSQL database) with the given worker
/// concurrency each, the scripted fake LLM answering every request after a fixed delay, signed-in MCP clients spread over
/// the replicas that start all tasks as fast as they can, and a wait until every task has ended.
/// </summary>
internal sealed class TaskRun(RunSettings settings, int concurrency, TextWriter log)
{
    private const string Email = "bench@example.test";
    private const string Password = "Tasks-Benchmark-1";

    /// <summary>The most warm-up rounds; a round that compiles fewer than <see cref="SettledWarmupRound"/> methods ends the warm-up.</summary>
    private const int MaxWarmupRounds = 4;

    private const int SettledWarmupRound = 200;

    private static readonly string[] EndedStatuses = ["completed", "failed", "cancelled"];

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        var pollInterval = concurrency > 4 && settings.PollMilliseconds > 0 ? TimeSpan.FromMilliseconds(settings.PollMilliseconds) : (TimeSpan?)null;
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        llm.Responder = _ => LlmReply.Text("done") with { DelayBeforeHeaders = settings.LlmDelay };

        var directory = settings.DataDirectory is { } parent
            ? Directory.CreateDirectory(Path.Combine(parent, $"mcpsubagent-tasks-bench-{Guid.NewGuid():N}"))
            : Directory.CreateTempSubdirectory("mcpsubagent-tasks-bench-");
        var databasePath = Path.Combine(directory.FullName, "app.db");
        var connectionString = settings.PostgreSql
            ? await CreatePostgreSqlDatabaseAsync(settings.PostgresConnection!, cancellationToken)
            : $"Data Source={databasePath}";
        var port = FreePort();
        var serverSettings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = settings.PostgreSql ? "PostgreSQL" : "Sqlite",
            ["ConnectionStrings:Default"] = connectionString,
            ["DataProtection:KeyDirectory"] = Path.Combine(directory.FullName, "keys"),
            ["PublicBaseUrl"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/",
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-benchmark",
            ["Completions:DefaultModel"] = "fake-model",
            ["Tasks:WorkerConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),

            // One user starts every task: neither the per-user limit of pending tasks nor the per-user share of the
            // workers may cap the run.
            ["Tasks:MaxPendingTasksPerUser"] = settings.Tasks.ToString(CultureInfo.InvariantCulture),
            ["Tasks:MaxWorkerSharePerUser"] = "1",
        };
        if (pollInterval is { } poll)
        {
            serverSettings["Tasks:PollInterval"] = poll.ToString("c", CultureInfo.InvariantCulture);
        }

        var clients = new List<McpClient>();
        var servers = new List<ServerHost>();
        try
        {
            // The replicas share the database and the public origin (the issuer of the token), as behind a load balancer.
            for (var i = 0; i < settings.Replicas; i++)
            {
                servers.Add(ServerHost.Start(serverSettings, i == 0 ? port : 0));
            }

            var server = servers[0];
            await server.CreateUserAsync(Email, Password);
            var token = await OAuthLogin.GetAccessTokenAsync(server.BaseUrl, Email, Password, cancellationToken);
            for (var i = 0; i < Math.Max(settings.Clients, settings.Replicas); i++)
            {
                clients.Add(await McpClient.CreateAsync(
                    new HttpClientTransport(new HttpClientTransportOptions
                    {
                        Endpoint = servers[i % servers.Count].McpUrl,
                        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
                    }),
                    cancellationToken: cancellationToken));
            }

            await using DbConnection db = settings.PostgreSql
                ? new NpgsqlConnection(connectionString)
                : new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly");
            await db.OpenAsync(cancellationToken);
            var warmupTasks = 0;
            if (settings.Warmup > 0)
            {
                // As a server that has been up for a while: the per-task code jitted and tiered up before the clock starts.
                // The runtime counts a method's calls towards tier 1 only once no new method has been jitted for 100 ms,
                // so one round of warm-up tasks leaves much of the request code short of its 30 counted calls; it was then
                // promoted during the measured phase (12-17% of that phase's samples in the JIT, some 2,400 methods).
                // Rounds go on until one compiles few methods.
                using var warmupDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                warmupDeadline.CancelAfter(settings.Timeout);
                for (var round = 1; round <= MaxWarmupRounds; round++)
                {
                    var compiledBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
                    log.WriteLine($"  warming up, round {round}: {settings.Warmup} tasks");
                    await StartTasksAsync(clients, settings.Warmup, "Warm-up task", warmupDeadline.Token);
                    warmupTasks += settings.Warmup;
                    while (await CountEndedAsync(db, warmupDeadline.Token) < warmupTasks)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(50), warmupDeadline.Token);
                    }

                    var compiled = await WaitForJitToSettleAsync(warmupDeadline.Token) - compiledBefore;
                    if (compiled < SettledWarmupRound)
                    {
                        break;
                    }
                }
            }

            var llmRequestsBefore = llm.RequestCount;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var gen2Before = GC.CollectionCount(2);
            long workingSetBefore;
            TimeSpan cpuBefore;
            using (var self = Process.GetCurrentProcess())
            {
                workingSetBefore = self.WorkingSet64;
                cpuBefore = self.TotalProcessorTime;
            }

            await using var memory = new MemorySampler(TimeSpan.FromMilliseconds(20));

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(settings.Timeout);
            var started = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            await StartTasksAsync(clients, settings.Tasks, "Benchmark task", deadline.Token);
            var startPhase = clock.Elapsed;
            log.WriteLine($"  {settings.Tasks} tasks started in {startPhase.TotalSeconds:0.00} s; waiting for them to end");

            var timedOut = false;
            var lastReport = TimeSpan.Zero;
            while (true)
            {
                var ended = await CountEndedAsync(db, cancellationToken) - warmupTasks;
                if (ended >= settings.Tasks)
                {
                    break;
                }

                if (deadline.IsCancellationRequested)
                {
                    timedOut = true;
                    break;
                }

                if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(15))
                {
                    lastReport = clock.Elapsed;
                    log.WriteLine($"  {clock.Elapsed.TotalSeconds:0} s: {ended} ended");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }

            var gen2 = GC.CollectionCount(2) - gen2Before;
            var (byStatus, latencies, lastEnded) = await ReadTasksAsync(db, started, cancellationToken);
            await memory.DisposeAsync();
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime - cpuBefore;
            var workers = concurrency * settings.Replicas;
            var waves = (settings.Tasks + workers - 1) / workers;
            return new RunResult
            {
                Concurrency = concurrency,
                PollInterval = pollInterval,
                Tasks = settings.Tasks,
                ByStatus = byStatus,
                LlmRequests = llm.RequestCount - llmRequestsBefore,
                TimedOut = timedOut,
                StartPhase = startPhase,
                Total = (lastEnded ?? DateTimeOffset.UtcNow) - started,
                Ideal = settings.LlmDelay * waves,
                MedianLatency = latencies.Count == 0 ? TimeSpan.Zero : latencies[latencies.Count / 2],
                MaxLatency = latencies.Count == 0 ? TimeSpan.Zero : latencies[^1],
                WorkingSetBefore = workingSetBefore,
                MaxWorkingSet = memory.MaxWorkingSet,
                PeakWorkingSetOfProcess = process.PeakWorkingSet64,
                MaxManagedHeap = memory.MaxManagedHeap,
                MaxGcHeapSize = memory.MaxGcHeapSize,
                Gen2Collections = gen2,
                CpuTime = cpu,
            };
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            SqliteConnection.ClearAllPools();
            NpgsqlConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private async Task StartTasksAsync(List<McpClient> clients, int count, string prompt, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = settings.InFlight, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var result = await clients[i % clients.Count].CallToolAsync(
                    "start_agent_task",
                    new Dictionary<string, object?> { ["prompt"] = $"{prompt} {i}", ["mcp_servers"] = Array.Empty<string>() },
                    cancellationToken: ct);
                if (result.IsError == true)
                {
                    throw new InvalidOperationException(
                        $"start_agent_task failed: {string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text))}");
                }
            });

    /// <summary>
    /// Waits until the runtime has stopped compiling (at most 60 s): the warm-up's methods are promoted to optimized code
    /// by a background thread after they were called 30 times, and on a busy machine that took seconds of CPU into the
    /// measured phase (13% of its samples in the JIT, most request code still at tier 0 in a profile).
    /// </summary>
    /// <returns>The number of methods the process has compiled so far.</returns>
    private async Task<long> WaitForJitToSettleAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == compiled)
            {
                break;
            }

            compiled = now;
        }

        log.WriteLine($"  JIT settled after {clock.Elapsed.TotalSeconds:0.0} s ({compiled} methods compiled)");
        return compiled;
    }

    private static async Task<string> CreatePostgreSqlDatabaseAsync(string serverConnection, CancellationToken cancellationToken)
    {
        var name = $"tasks_bench_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(serverConnection))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(serverConnection) { Database = name }.ConnectionString;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<int> CountEndedAsync(DbConnection db, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand();
        command.CommandText = """SELECT COUNT(*) FROM "AgentTasks" WHERE "Status" IN ('completed', 'failed', 'cancelled')""";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>The tasks created since <paramref name="since"/> (not the warm-up's).</summary>
    private static async Task<(Dictionary<string, int> ByStatus, List<TimeSpan> Latencies, DateTimeOffset? LastEnded)> ReadTasksAsync(
        DbConnection db, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var byStatus = new Dictionary<string, int>(StringComparer.Ordinal);
        var latencies = new List<TimeSpan>();
        DateTimeOffset? lastEnded = null;
        await using var command = db.CreateCommand();
        command.CommandText = """SELECT "Status", "CreatedAt", "EndedAt" FROM "AgentTasks" """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var status = reader.GetString(0);
            if (Time(reader.GetValue(1)) < since)
            {
                continue;
            }

            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            if (EndedStatuses.Contains(status) && !reader.IsDBNull(2))
            {
                var created = Time(reader.GetValue(1));
                var ended = Time(reader.GetValue(2));
                latencies.Add(ended - created);
                lastEnded = lastEnded is { } last && last > ended ? last : ended;
            }
        }

        latencies.Sort();
        return (byStatus, latencies, lastEnded);
    }

    /// <summary>SQLite stores the times as text; PostgreSQL's timestamptz reads as a UTC DateTime.</summary>
    private static DateTimeOffset Time(object value) => value switch
    {
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture),
        DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
        DateTimeOffset time => time,
        _ => throw new InvalidOperationException($"Unexpected time value {value}."),
    };
}
