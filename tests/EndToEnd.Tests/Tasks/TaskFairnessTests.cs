using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>One user's stalled or numerous tasks neither starve other users nor hold workers for ever.</summary>
public sealed class TaskFairnessTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task FourStalledTasksOfOneUser_AnotherUsersTaskCompletesPromptly_AndTheDeadlineEndsTheStalledOnes(string provider)
    {
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tasks:WorkerConcurrency"] = "4",
            ["Tasks:PollInterval"] = "00:00:00.100",
            ["Completions:MaxRunDuration"] = "00:00:06",
        }, database: await TestDatabase.CreateAsync(provider));
        var stalled = await harness.SignInAsync("fair-stalled@example.com");
        var prompt = await harness.SignInAsync("fair-prompt@example.com");

        // An upstream that never answers A's prompts; B's get an answer at once.
        harness.Llm.Responder = request => ((string?)request.Messages[^1]?["content"])?.StartsWith("stall", StringComparison.Ordinal) == true
            ? LlmReply.Text("never") with { DelayBeforeHeaders = TimeSpan.FromMinutes(5) }
            : LlmReply.Text("done for B");
        var stalledIds = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            stalledIds.Add((await harness.StartTaskAsync(stalled, $"stall {i}", servers: [])).GetProperty("task_id").GetString()!);
        }

        await TaskTestHost.WaitUntilAsync(() => harness.Llm.RequestCount >= 3, "A's tasks calling the upstream");
        var started = TimeProvider.System.GetTimestamp();
        var other = (await harness.StartTaskAsync(prompt, "answer me", servers: [])).GetProperty("task_id").GetString()!;

        var done = await TaskTestHost.WaitForStatusAsync(prompt, other, "completed", TimeSpan.FromSeconds(4));
        Assert.Contains("done for B", done.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(4));

        // A holds three of the four workers (the default share of 0.75); its fourth task waits for one of them.
        Assert.Equal(3, harness.Llm.Requests.Count(r => ((string?)r.Messages[^1]?["content"])?.StartsWith("stall", StringComparison.Ordinal) == true));

        // The deadline frees the stalled workers: each of A's tasks fails with the reason instead of holding a slot.
        foreach (var id in stalledIds)
        {
            var failed = await TaskTestHost.WaitForStatusAsync(stalled, id, "failed", TimeSpan.FromSeconds(30));
            Assert.Contains("MaxRunDuration", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UserAtTheLimitOfPendingTasks_CannotStartAnother_UntilOneEnds()
    {
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tasks:MaxPendingTasksPerUser"] = "2",
        });
        var client = await harness.SignInAsync("pending-limit@example.com");
        harness.Llm.Responder = _ => LlmReply.Text("slow") with { DelayBeforeHeaders = TimeSpan.FromSeconds(30) };
        var first = (await harness.StartTaskAsync(client, "one", servers: [])).GetProperty("task_id").GetString()!;
        await harness.StartTaskAsync(client, "two", servers: []);

        var refused = await TaskTestHost.CallRawAsync(client, "start_agent_task", new() { ["prompt"] = "three", ["mcp_servers"] = Array.Empty<string>() });

        Assert.True(refused.IsError);
        Assert.Contains("the limit is 2", TaskTestHost.Text(refused), StringComparison.Ordinal);

        await TaskTestHost.CallAsync(client, "cancel_agent_task", new() { ["task_id"] = first });
        var third = await TaskTestHost.CallRawAsync(client, "start_agent_task", new() { ["prompt"] = "three", ["mcp_servers"] = Array.Empty<string>() });
        Assert.True(third.IsError != true, TaskTestHost.Text(third));
    }

    [Fact]
    public async Task ConcurrentStarts_BeyondTheLimitOfPendingTasks_AreRefused_ExactlyAtTheLimit()
    {
        // The limit is counted in the inserter's batch transaction: starts arriving together cannot all pass one count.
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tasks:MaxPendingTasksPerUser"] = "3",
        });
        var client = await harness.SignInAsync("pending-limit-concurrent@example.com");
        var other = await harness.SignInAsync("pending-limit-other@example.com");
        harness.Llm.Responder = _ => LlmReply.Text("slow") with { DelayBeforeHeaders = TimeSpan.FromSeconds(30) };

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => TaskTestHost.CallRawAsync(
            i % 2 == 0 ? client : other, "start_agent_task", new() { ["prompt"] = $"task {i}", ["mcp_servers"] = Array.Empty<string>() })));

        foreach (var byUser in new[] { results.Where((_, i) => i % 2 == 0), results.Where((_, i) => i % 2 == 1) })
        {
            Assert.Equal(3, byUser.Count(r => r.IsError != true));
            Assert.All(byUser.Where(r => r.IsError == true), r => Assert.Contains("the limit is 3", TaskTestHost.Text(r), StringComparison.Ordinal));
        }

        var listed = await TaskTestHost.CallAsync(client, "list_agent_tasks", new() { ["limit"] = 100 });
        Assert.Equal(3, listed.GetProperty("tasks").GetArrayLength());
    }
}
