using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Tasks;
using McpSubAgent.Testing.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>
/// The worker's claim on a server database: a task another worker holds is skipped, never waited for; an owner gets only
/// its share of the workers. The queued tasks are rows written before the host starts, so its own worker claims them.
/// </summary>
public sealed class TaskClaimTests
{
    [Fact]
    public async Task Claim_OnPostgreSql_OldestTaskLockedByAnotherWorker_SkipsItAtOnceAndClaimsTheNext()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        llm.Responder = request => LlmReply.Text("done " + Prompt(request));
        var now = DateTimeOffset.UtcNow;
        var (oldest, next) = (NewTask("owner-a", now.AddSeconds(-2)), NewTask("owner-b", now.AddSeconds(-1)));
        await QueueAsync(database, [oldest, next]);

        // Another worker's claim transaction holds the oldest task.
        await using var other = new NpgsqlConnection(database.ConnectionString);
        await other.OpenAsync(cancellationToken);
        await using var transaction = await other.BeginTransactionAsync(cancellationToken);
        await using (var lockRow = new NpgsqlCommand("""SELECT 1 FROM "AgentTasks" WHERE "Id" = @id FOR UPDATE""", other, transaction))
        {
            lockRow.Parameters.AddWithValue("id", oldest.Id);
            await lockRow.ExecuteScalarAsync(cancellationToken);
        }

        // Waiting for the lock would hold the worker until the transaction ends; skipping it runs the next one at once.
        await using var host = await SubAgentHost.StartAsync(database, Settings(llm));
        var done = await TaskTestHost.WaitForPageStatusAsync(host, next.Id, "completed", TimeSpan.FromSeconds(10));
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal([Prompt(next)], llm.Requests.Select(Prompt));
        await using (var db = Context(database))
        {
            Assert.Equal(AgentTaskStatus.Queued, (await db.AgentTasks.AsNoTracking().SingleAsync(t => t.Id == oldest.Id, cancellationToken)).Status);
        }

        // Once the other transaction ends without claiming it, the oldest task is claimed and runs.
        await transaction.RollbackAsync(cancellationToken);
        var later = await TaskTestHost.WaitForPageStatusAsync(host, oldest.Id, "completed", TimeSpan.FromSeconds(10));
        Assert.Equal("completed", (string?)later["status"]);
        Assert.Equal(2, llm.RequestCount);
    }

    [Fact]
    public async Task Claim_OnPostgreSql_OneOwnersQueue_GetsOnlyItsShare_AndOthersComeFirstInTurn()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        var tasks = await QueueBusyAndLateAsync(database, llm);

        await using var host = await SubAgentHost.StartAsync(database, Settings(llm));

        // The default share of 0.75 of 4 workers: the busy owner's three oldest, and the late owner's one.
        await TaskTestHost.WaitUntilAsync(() => llm.RequestCount >= 4, "four claimed tasks asking the upstream");
        Assert.Equal(
            tasks.Take(3).Append(tasks[^1]).Select(Prompt).Order(StringComparer.Ordinal),
            llm.Requests.Select(Prompt).Order(StringComparer.Ordinal));
        await AssertWorkingAsync(database, [.. tasks.Take(3), tasks[^1]], queued: tasks.Skip(3).Take(3));
    }

    [Fact]
    public async Task Claim_OnSqlite_ClaimsTheBatchInTheFairOrder_AndWritersWaitInSqlitesBusyHandler()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        var tasks = await QueueBusyAndLateAsync(database, llm);

        await using var host = await SubAgentHost.StartAsync(database, Settings(llm));
        long busyTimeout;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            busyTimeout = await db.Database.SqlQueryRaw<long>("SELECT timeout AS Value FROM pragma_busy_timeout").SingleAsync(cancellationToken);
        }

        // In turns (each owner's oldest first), within the busy owner's share of 3; the rest stays queued for others.
        await TaskTestHost.WaitUntilAsync(() => llm.RequestCount >= 4, "four claimed tasks asking the upstream");
        Assert.Equal(
            tasks.Take(3).Append(tasks[^1]).Select(Prompt).Order(StringComparer.Ordinal),
            llm.Requests.Select(Prompt).Order(StringComparer.Ordinal));
        await AssertWorkingAsync(database, [.. tasks.Take(3), tasks[^1]], queued: tasks.Skip(3).Take(3));

        // Another replica's worker takes the busy owner's next three.
        await using var replica = await SubAgentHost.StartAsync(database, Settings(llm));
        await TaskTestHost.WaitUntilAsync(() => llm.RequestCount >= 7, "the replica's three claimed tasks asking the upstream");
        Assert.Equal(tasks.Skip(3).Take(3).Select(Prompt).Order(StringComparer.Ordinal), llm.Requests.Skip(4).Select(Prompt).Order(StringComparer.Ordinal));
        Assert.Equal(7, llm.RequestCount);

        // A writer that finds the lock taken waits in SQLite (not in Microsoft.Data.Sqlite's 150 ms sleeps).
        Assert.Equal(30_000, busyTimeout);
    }

    /// <summary>Six tasks of a busy owner, then one of a late owner, queued before any host runs; the upstream holds every answer.</summary>
    private static async Task<List<AgentTask>> QueueBusyAndLateAsync(TestDatabase database, ScriptedLlmServer llm)
    {
        llm.Responder = _ => LlmReply.Text("held") with { DelayBeforeHeaders = TimeSpan.FromMinutes(2) };
        var now = DateTimeOffset.UtcNow;
        var tasks = Enumerable.Range(0, 6).Select(i => NewTask("busy", now.AddSeconds(i - 20)))
            .Append(NewTask("late", now.AddSeconds(-1))).ToList();
        await QueueAsync(database, tasks);
        return tasks;
    }

    private static async Task AssertWorkingAsync(TestDatabase database, IEnumerable<AgentTask> working, IEnumerable<AgentTask> queued)
    {
        await using var db = Context(database);
        var rows = await db.AgentTasks.AsNoTracking().ToDictionaryAsync(t => t.Id, TestContext.Current.CancellationToken);
        var claimed = working.Select(t => rows[t.Id]).ToList();
        Assert.All(claimed, t => Assert.Equal(AgentTaskStatus.Working, t.Status));
        Assert.Single(claimed.Select(t => t.LeaseOwner).Distinct(StringComparer.Ordinal), owner => owner is not null);
        Assert.All(queued, t => Assert.Equal((AgentTaskStatus.Queued, (string?)null), (rows[t.Id].Status, rows[t.Id].LeaseOwner)));
    }

    private static Dictionary<string, string?> Settings(ScriptedLlmServer llm) => new()
    {
        ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
        ["OPENAI_API_KEY"] = "sk-upstream-test",
        ["Completions:DefaultModel"] = "fake-model",
        ["Tasks:WorkerConcurrency"] = "4",
        ["Tasks:PollInterval"] = "00:00:00.100",
    };

    /// <summary>Creates the schema (as the server's first start does) and stores the tasks as queued.</summary>
    private static async Task QueueAsync(TestDatabase database, IReadOnlyList<AgentTask> tasks)
    {
        await using var db = Context(database);
        await db.Database.MigrateAsync(TestContext.Current.CancellationToken);
        db.AgentTasks.AddRange(tasks);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private static AppDbContext Context(TestDatabase database) => database.Provider == TestDatabase.Sqlite
        ? new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(database.ConnectionString).UseOpenIddict().Options)
        : new PostgreSqlAppDbContext(new DbContextOptionsBuilder<PostgreSqlAppDbContext>().UseNpgsql(database.ConnectionString).UseOpenIddict().Options);

    /// <summary>A queued task in the stored shape: a run of one user message (its id, to tell the runs apart upstream).</summary>
    private static AgentTask NewTask(string owner, DateTimeOffset created)
    {
        var id = AgentTask.NewId();
        return new()
        {
            Id = id,
            OwnerKey = owner,
            RequestJson = new JsonObject
            {
                ["surface"] = "agent_task",
                ["run"] = new JsonObject
                {
                    ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "task " + id }),
                    ["mcp_servers"] = new JsonArray(),
                },
            }.ToJsonString(),
            Status = AgentTaskStatus.Queued,
            CreatedAt = created,
            UpdatedAt = created,
        };
    }

    private static string Prompt(AgentTask task) => "task " + task.Id;

    private static string Prompt(ReceivedLlmRequest request) =>
        (string)request.Messages.Last(m => (string?)m?["role"] == "user")!["content"]!;
}
