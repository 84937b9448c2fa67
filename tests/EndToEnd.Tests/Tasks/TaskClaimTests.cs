using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>The worker's claim on a server database: a task another worker holds is skipped, never waited for.</summary>
public sealed class TaskClaimTests
{
    [Fact]
    public async Task Claim_OnPostgreSql_OldestTaskLockedByAnotherWorker_SkipsItAtOnceAndClaimsTheNext()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);

        await using var host = await SubAgentHost.StartAsync(database, services: WithoutWorker);
        var now = DateTimeOffset.UtcNow;
        var (oldest, next) = (NewTask("owner-a", now.AddSeconds(-2)), NewTask("owner-b", now.AddSeconds(-1)));
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.AgentTasks.AddRange(oldest, next);
            await db.SaveChangesAsync(cancellationToken);
        }

        // Another worker's claim transaction holds the oldest task.
        await using var other = new NpgsqlConnection(database.ConnectionString);
        await other.OpenAsync(cancellationToken);
        await using var transaction = await other.BeginTransactionAsync(cancellationToken);
        await using (var lockRow = new NpgsqlCommand("""SELECT 1 FROM "AgentTasks" WHERE "Id" = @id FOR UPDATE""", other, transaction))
        {
            lockRow.Parameters.AddWithValue("id", oldest.Id);
            await lockRow.ExecuteScalarAsync(cancellationToken);
        }

        // Waiting for the lock would outlast the timeout; skipping it answers at once.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var claimed = await ClaimAsync(host, "worker-1", 2, timeout.Token);
        Assert.Equal([next.Id], claimed.Select(t => t.Id));
        Assert.All(claimed, t => Assert.Equal(("working", "worker-1"), (t.Status, t.LeaseOwner)));

        // Once the other transaction ends without claiming it, the oldest task is claimable again.
        await transaction.RollbackAsync(cancellationToken);
        var later = await ClaimAsync(host, "worker-2", 2, cancellationToken);
        Assert.Equal([oldest.Id], later.Select(t => t.Id));
    }

    [Fact]
    public async Task Claim_OnPostgreSql_OneOwnersQueue_GetsOnlyItsShare_AndOthersComeFirstInTurn()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var host = await SubAgentHost.StartAsync(
            await TestDatabase.CreateAsync(TestDatabase.PostgreSql),
            new Dictionary<string, string?> { ["Tasks:WorkerConcurrency"] = "4" },
            WithoutWorker);
        var now = DateTimeOffset.UtcNow;
        var tasks = Enumerable.Range(0, 6).Select(i => NewTask("busy", now.AddSeconds(i - 20)))
            .Append(NewTask("late", now.AddSeconds(-1))).ToList();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.AgentTasks.AddRange(tasks);
            await db.SaveChangesAsync(cancellationToken);
        }

        var claimed = await ClaimAsync(host, "worker-1", 4, cancellationToken);

        // The default share of 0.75 of 4 workers: the busy owner's three oldest, and the late owner's one.
        Assert.Equal(
            [.. tasks.Take(3).Select(t => t.Id), tasks[^1].Id],
            claimed.OrderBy(t => t.CreatedAt).Select(t => t.Id));
    }

    [Fact]
    public async Task Claim_OnSqlite_ClaimsTheBatchInTheFairOrder_AndWritersWaitInSqlitesBusyHandler()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var host = await SubAgentHost.StartAsync(
            await TestDatabase.CreateAsync(TestDatabase.Sqlite),
            new Dictionary<string, string?> { ["Tasks:WorkerConcurrency"] = "4" },
            WithoutWorker);
        var now = DateTimeOffset.UtcNow;
        var tasks = Enumerable.Range(0, 6).Select(i => NewTask("busy", now.AddSeconds(i - 20)))
            .Append(NewTask("late", now.AddSeconds(-1))).ToList();
        long busyTimeout;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.AgentTasks.AddRange(tasks);
            await db.SaveChangesAsync(cancellationToken);
            busyTimeout = await db.Database.SqlQueryRaw<long>("SELECT timeout AS Value FROM pragma_busy_timeout").SingleAsync(cancellationToken);
        }

        var claimed = await ClaimAsync(host, "worker-1", 4, cancellationToken);
        var again = await ClaimAsync(host, "worker-2", 4, cancellationToken);

        // In turns (each owner's oldest first), within the busy owner's share of 3; the rest stays queued for others.
        Assert.Equal([tasks[0].Id, tasks[^1].Id, tasks[1].Id, tasks[2].Id], claimed.Select(t => t.Id));
        Assert.All(claimed, t => Assert.Equal(("working", "worker-1"), (t.Status, t.LeaseOwner)));
        Assert.Equal([.. tasks.Skip(3).Take(3).Select(t => t.Id)], again.Select(t => t.Id));

        // A writer that finds the lock taken waits in SQLite (not in Microsoft.Data.Sqlite's 150 ms sleeps).
        Assert.Equal(30_000, busyTimeout);
    }

    private static async Task<IReadOnlyList<AgentTask>> ClaimAsync(SubAgentHost host, string worker, int count, CancellationToken cancellationToken)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AgentTaskStore>()
            .ClaimAsync(worker, count, new Dictionary<string, int>(), cancellationToken);
    }

    private static AgentTask NewTask(string owner, DateTimeOffset created) => new()
    {
        Id = AgentTask.NewId(),
        OwnerKey = owner,
        RequestJson = "{}",
        Status = AgentTaskStatus.Queued,
        CreatedAt = created,
        UpdatedAt = created,
    };

    /// <summary>No worker of the host's own: the test claims through the store.</summary>
    private static void WithoutWorker(IServiceCollection services)
    {
        foreach (var worker in services.Where(d => d.ImplementationType == typeof(AgentTaskWorker)).ToList())
        {
            services.Remove(worker);
        }
    }
}
