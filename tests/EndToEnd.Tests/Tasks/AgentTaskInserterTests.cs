using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.Testing.Llm;
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
}
