using System.Net.Http.Json;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

public sealed class AgentTaskDurabilityTests
{
    private static readonly Dictionary<string, string?> ShortLeases = new()
    {
        ["Tasks:LeaseDuration"] = "00:00:02",
        ["Tasks:PollInterval"] = "00:00:00.100",
    };

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task HostDiesDuringARound_AnotherHostResumes_WithoutRepeatingFinishedToolCalls(string provider)
    {
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?>(ShortLeases) { ["Tasks:ReleaseLeasesOnShutdown"] = "false" },
            database: await TestDatabase.CreateAsync(provider));
        var client = await harness.SignInAsync("tasks-durable@example.com");

        // Round 1 echoes (and is persisted); round 2 calls the slow tool, during which the host dies.
        harness.Llm.Responder = request =>
        {
            var last = request.Messages[^1]?["content"]?.ToString() ?? "";
            return last.StartsWith("echo:", StringComparison.Ordinal)
                ? LlmReply.ToolCalls(new LlmToolCall("call_2", TaskTestHost.SlowTool, """{"milliseconds":3000}"""))
                : last.StartsWith("slept", StringComparison.Ordinal)
                    ? LlmReply.Text("All done after the restart.")
                    : LlmReply.ToolCalls(new LlmToolCall("call_1", TaskTestHost.EchoTool, """{"text":"round one"}"""));
        };
        var started = await harness.StartTaskAsync(client, "Echo, then sleep.");
        var id = started.GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitUntilAsync(() => harness.Downstream.CallCount("slow") == 1, "the slow tool call of round 2");

        // The host goes away without giving the task back: its lease must expire first.
        await harness.StopHostAsync();
        Assert.Equal(2, harness.Llm.RequestCount);

        await using var restarted = await harness.StartReplicaAsync();
        var task = await TaskTestHost.WaitForPageStatusAsync(restarted, id, "completed", TimeSpan.FromSeconds(20));

        Assert.Equal("completed", (string?)task["status"]);
        var output = (string)task["output"]!;
        Assert.Contains("echo: round one", output, StringComparison.Ordinal);
        Assert.Contains("All done after the restart.", output, StringComparison.Ordinal);
        Assert.Equal(2, (int)task["rounds"]!);

        // The finished round's tool was not called again; the interrupted round's call (read-only, so safe to repeat)
        // was made again exactly as the model asked, without asking the model again.
        Assert.Equal(1, harness.Downstream.CallCount("echo"));
        Assert.Equal(2, harness.Downstream.CallCount("slow"));
        Assert.Equal(3, harness.Llm.RequestCount);
        Assert.Contains(harness.Llm.Requests[2].Messages, m => m?["content"]?.ToString() == "echo: round one");
        Assert.Equal("slept 3000 ms", harness.Llm.Requests[2].Messages[^1]?["content"]?.ToString());
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task TaskRunningLongerThanItsLease_KeepsIt_AnotherHostDoesNotTakeItOver(string provider)
    {
        // A 2 s lease and a 5 s tool call: only the running host's renewals keep the other host from claiming the task.
        await using var harness = await TaskTestHost.StartAsync(ShortLeases, database: await TestDatabase.CreateAsync(provider));
        var client = await harness.SignInAsync("tasks-long-lease@example.com");
        harness.Llm.Responder = TaskTestHost.SlowCallThen(5000, "finished");
        var id = (await harness.StartTaskAsync(client, "a long job")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitUntilAsync(() => harness.Downstream.CallCount("slow") == 1, "the slow call");
        await using var other = await harness.StartReplicaAsync();

        var task = await TaskTestHost.WaitForStatusAsync(client, id, "completed", TimeSpan.FromSeconds(20));

        Assert.Contains("finished", task.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, harness.Downstream.CallCount("slow"));
        Assert.Equal(2, harness.Llm.RequestCount);
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task TwoHostsOnOneDatabase_ShareTheTasks_AndRunEachOnce(string provider)
    {
        // One user on both hosts: the per-user share of the workers is off, so each host runs two of its tasks at once.
        var settings = new Dictionary<string, string?>(ShortLeases) { ["Tasks:WorkerConcurrency"] = "2", ["Tasks:MaxWorkerSharePerUser"] = "1" };
        await using var harness = await TaskTestHost.StartAsync(settings, database: await TestDatabase.CreateAsync(provider));
        await using var second = await harness.StartReplicaAsync();
        var client = await harness.SignInAsync("tasks-shared@example.com");
        harness.Llm.Responder = TaskTestHost.SlowCallThen(1500, request => "finished " + request.Messages[0]?["content"]);

        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await harness.StartTaskAsync(client, $"job {i}")).GetProperty("task_id").GetString()!);
        }

        for (var i = 0; i < ids.Count; i++)
        {
            var task = await TaskTestHost.WaitForStatusAsync(client, ids[i], "completed", TimeSpan.FromSeconds(20));
            Assert.Contains($"finished job {i}", task.GetProperty("output").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(12, harness.Llm.RequestCount);
        Assert.Equal(6, harness.Downstream.CallCount("slow"));
        Assert.Equal(6, harness.Llm.Requests.Count(r => r.Messages.Count == 1));

        // One host runs two at a time: three slow calls at once mean both hosts worked.
        var starts = harness.Downstream.Calls.Where(c => c.ToolName == "slow").Select(c => c.At).Order().ToList();
        Assert.Contains(Enumerable.Range(0, starts.Count - 2), i => starts[i + 2] - starts[i] < TimeSpan.FromMilliseconds(1500));
    }

    [Fact]
    public async Task CancelAgentTask_RunningOnAnotherHost_StopsThereWithinASecond()
    {
        var settings = new Dictionary<string, string?>(ShortLeases) { ["Tasks:WorkerConcurrency"] = "1" };
        await using var harness = await TaskTestHost.StartAsync(settings);
        var client = await harness.SignInAsync("tasks-remote-cancel@example.com");
        harness.Llm.Responder = TaskTestHost.SlowCallThen(20000, "done");

        // The first host is busy with its one slot, so the second task goes to the other host.
        var busy = (await harness.StartTaskAsync(client, "keep host A busy")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitUntilAsync(() => harness.Downstream.CallCount("slow") == 1, "host A's slow call");
        await using var other = await harness.StartReplicaAsync();
        var remote = (await harness.StartTaskAsync(client, "run on host B")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitUntilAsync(() => harness.Downstream.CallCount("slow") == 2, "host B's slow call");

        await TaskTestHost.CallAsync(client, "cancel_agent_task", new() { ["task_id"] = remote });

        // Host B stops the run and its one slot is free again: a third task (host A is still busy) starts there.
        var third = (await harness.StartTaskAsync(client, "run on host B next")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitUntilAsync(() => harness.Downstream.CallCount("slow") == 3, "host B to stop the run and start the next", TimeSpan.FromSeconds(3));
        var busyTask = await TaskTestHost.CallAsync(client, "get_agent_task", new() { ["task_id"] = busy });
        Assert.Equal("working", busyTask.GetProperty("status").GetString());
        await TaskTestHost.CallAsync(client, "cancel_agent_task", new() { ["task_id"] = busy });
        await TaskTestHost.CallAsync(client, "cancel_agent_task", new() { ["task_id"] = third });
        var task = await TaskTestHost.CallAsync(client, "get_agent_task", new() { ["task_id"] = remote });
        Assert.Equal("cancelled", task.GetProperty("status").GetString());
        Assert.Equal(3, harness.Llm.RequestCount);
    }

    [Fact]
    public async Task HostStopsGracefully_GivesTheTaskBack_AnotherHostResumesAtOnce()
    {
        // Default 30 s leases: only a released lease lets the next host resume within the test's time.
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?> { ["Tasks:PollInterval"] = "00:00:00.100" });
        var client = await harness.SignInAsync("tasks-graceful@example.com");
        harness.Llm.Responder = TaskTestHost.SlowCallThen(3000, "resumed and done");
        var id = (await harness.StartTaskAsync(client, "Sleep.")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitUntilAsync(() => harness.Downstream.CallCount("slow") == 1, "the slow tool call");

        await harness.StopHostAsync();
        await using var restarted = await harness.StartReplicaAsync();
        var task = await TaskTestHost.WaitForPageStatusAsync(restarted, id, "completed", TimeSpan.FromSeconds(10));

        Assert.Equal("completed", (string?)task["status"]);
        Assert.Contains("resumed and done", (string)task["output"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamRefusesTheRequest_TaskFails_WithTheReason()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync("tasks-failed@example.com");
        harness.Llm.Enqueue(LlmReply.Error(404, "The model 'no-such-model' does not exist."));

        var id = (await TaskTestHost.CallAsync(client, "start_agent_task", new() { ["prompt"] = "hi", ["model"] = "no-such-model" }))
            .GetProperty("task_id").GetString()!;

        var task = await TaskTestHost.WaitForStatusAsync(client, id, "failed");
        Assert.Contains("no-such-model", task.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
