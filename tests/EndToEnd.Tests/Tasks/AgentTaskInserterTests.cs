using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>New tasks are committed in batches; every start is stored, also beyond one batch.</summary>
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
        await using var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?> { ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1" });
        var inserter = host.Services.GetRequiredService<AgentTaskInserter>();
        var now = DateTimeOffset.UtcNow;
        var count = AgentTaskInserter.MaxBatch + 44;
        var tasks = Enumerable.Range(0, count).Select(_ => new AgentTask
        {
            Id = AgentTask.NewId(),
            OwnerKey = "batch-owner",
            RequestJson = "{}",
            Status = AgentTaskStatus.Cancelled,
            CreatedAt = now,
            UpdatedAt = now,
            EndedAt = now,
        }).ToList();

        await Task.WhenAll(tasks.Select(inserter.AddAsync));

        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Equal(count, await db.AgentTasks.CountAsync(t => t.OwnerKey == "batch-owner", TestContext.Current.CancellationToken));
    }
}
