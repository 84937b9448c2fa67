using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.Testing.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>New tasks are committed in batches of multi-row inserts; every start is stored, also beyond one batch or statement.</summary>
public sealed class AgentTaskInserterTests
{
    [Fact]
    public async Task ConcurrentStarts_AreAllStored_EachWithItsOwnId()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync("tasks-batch@example.com");

        var started = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => harness.StartTaskAsync(client, $"Task {i}.", servers: [])));

        var ids = started.Select(s => s.GetProperty("task_id").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(20, ids.Count);
        var listed = await TaskTestHost.CallAsync(client, "list_agent_tasks", new() { ["limit"] = 100 });
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MoreThanOneBatchAtOnce_AllAreStored()
    {
        // More starts at once than one batch of the inserter takes (256).
        const int Count = 300;
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?> { ["Tasks:MaxPendingTasksPerUser"] = "1000" });
        var client = await harness.SignInAsync("tasks-batches@example.com");
        harness.Llm.Responder = _ => LlmReply.Text("done");

        var started = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => harness.StartTaskAsync(client, $"Task {i}.", servers: [])));

        Assert.Equal(Count, started.Select(s => s.GetProperty("task_id").GetString()!).Distinct(StringComparer.Ordinal).Count());
        await using var scope = harness.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Equal(Count, await db.AgentTasks.CountAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task StoredRows_ReadBackAsStarted_AndRunToTheirEnd(string provider)
    {
        // More starts at once than one INSERT statement takes (999 parameters, so 49 rows of this table).
        const int Count = 120;
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var harness = await TaskTestHost.StartAsync(
            new Dictionary<string, string?> { ["Tasks:MaxPendingTasksPerUser"] = "1000" }, database: await TestDatabase.CreateAsync(provider));
        var client = await harness.SignInAsync("tasks-rows@example.com");
        harness.Llm.Responder = _ => LlmReply.Text("done");
        var before = DateTimeOffset.UtcNow;

        var started = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => harness.StartTaskAsync(client, $"Task {i}.", store: i % 2 == 0, servers: [])));

        var after = DateTimeOffset.UtcNow;
        var ids = started.Select(s => s.GetProperty("task_id").GetString()!).ToList();
        await using (var scope = harness.Host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var rows = await db.AgentTasks.AsNoTracking().ToDictionaryAsync(t => t.Id, StringComparer.Ordinal, cancellationToken);
            Assert.Equal(Count, rows.Count);
            for (var i = 0; i < Count; i++)
            {
                var row = rows[ids[i]];
                Assert.Equal(i % 2 == 0, row.Store);
                Assert.Contains($"Task {i}.", row.RequestJson, StringComparison.Ordinal);
                Assert.Equal(row.OwnerKey, rows[ids[0]].OwnerKey);
                Assert.Equal(harness.Host.BaseUrl.AbsoluteUri, row.BaseUrl);
                Assert.InRange(row.CreatedAt, before.AddSeconds(-1), after.AddSeconds(1));
            }
        }

        foreach (var id in ids)
        {
            var done = await TaskTestHost.WaitForStatusAsync(client, id, "completed", TimeSpan.FromSeconds(60));
            Assert.Contains("done", done.GetProperty("output").GetString(), StringComparison.Ordinal);
        }
    }
}
