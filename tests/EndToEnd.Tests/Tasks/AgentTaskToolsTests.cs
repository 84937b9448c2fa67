using System.Net;
using System.Text.Json;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Tasks;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

public sealed class AgentTaskToolsTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task StartAgentTask_PolledToTheEnd_CompletesWithAnswerAndToolResult(string provider)
    {
        await using var harness = await TaskTestHost.StartAsync(database: await TestDatabase.CreateAsync(provider));
        var client = await harness.SignInAsync("tasks-complete@example.com");
        harness.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", TaskTestHost.EchoTool, """{"text":"from the task"}""")),
            LlmReply.Text("The echo said hello."));

        var started = await harness.StartTaskAsync(client, "Echo something.");

        var id = started.GetProperty("task_id").GetString()!;
        Assert.True(id.Length >= 32, id);
        Assert.Equal("queued", started.GetProperty("status").GetString());
        Assert.True(started.GetProperty("poll_interval_ms").GetInt32() > 0);
        Assert.Equal(new Uri(harness.Host.BaseUrl, $"tasks/{id}.md").AbsoluteUri, started.GetProperty("result_url").GetString());
        Assert.Equal(new Uri(harness.Host.BaseUrl, $"tasks/{id}.json").AbsoluteUri, started.GetProperty("json_url").GetString());

        var task = await TaskTestHost.WaitForStatusAsync(client, id, "completed");
        var output = task.GetProperty("output").GetString()!;
        Assert.Contains("The echo said hello.", output, StringComparison.Ordinal);
        Assert.Contains("echo: from the task", output, StringComparison.Ordinal);
        Assert.Equal(30, task.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("error").ValueKind);
        Assert.Equal(1, harness.Downstream.CallCount("echo"));
        Assert.Equal(2, harness.Llm.RequestCount);
    }

    [Fact]
    public async Task ResultPages_WithoutAuthorization_ShowTheTask_AndUnknownIdIs404()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync("tasks-pages@example.com");
        harness.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", TaskTestHost.SlowTool, """{"milliseconds":1500}""")),
            LlmReply.Text("Finished after sleeping."));
        var started = await harness.StartTaskAsync(client, "Sleep a bit.");
        var id = started.GetProperty("task_id").GetString()!;
        using var http = new HttpClient();
        var ct = TestContext.Current.CancellationToken;

        await TaskTestHost.WaitUntilAsync(() => harness.Downstream.CallCount("slow") == 1, "the slow tool call");
        using (var pending = await http.GetAsync(started.GetProperty("result_url").GetString(), ct))
        {
            Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
            Assert.Equal("text/markdown", pending.Content.Headers.ContentType?.MediaType);
            Assert.True(pending.Headers.TryGetValues("Refresh", out var refresh), "a pending page refreshes itself");
            Assert.True(int.Parse(refresh.Single(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and < 30);
            Assert.Contains("Still working", await pending.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        await TaskTestHost.WaitForStatusAsync(client, id, "completed");
        var markdown = await http.GetStringAsync(started.GetProperty("result_url").GetString(), ct);
        Assert.Contains("Finished after sleeping.", markdown, StringComparison.Ordinal);
        Assert.Contains("slept 1500 ms", markdown, StringComparison.Ordinal);

        using var json = await http.GetAsync(started.GetProperty("json_url").GetString(), ct);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.False(json.Headers.Contains("Refresh"));
        var body = JsonDocument.Parse(await json.Content.ReadAsStringAsync(ct)).RootElement;
        Assert.Equal(id, body.GetProperty("task_id").GetString());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.Contains("Finished after sleeping.", body.GetProperty("output").GetString(), StringComparison.Ordinal);
        foreach (var field in new[] { "login_links", "usage", "error", "created_at", "updated_at" })
        {
            Assert.True(body.TryGetProperty(field, out _), field);
        }

        foreach (var path in new[] { $"tasks/{AgentTask.NewId()}.md", $"tasks/{AgentTask.NewId()}.json", "tasks/x.json" })
        {
            using var missing = await http.GetAsync(new Uri(harness.Host.BaseUrl, path), ct);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task CancelAgentTask_DuringSlowTool_StopsTheRunWithinASecond(string provider)
    {
        // One worker: the next task runs only once the cancelled run has let go of it.
        await using var harness = await TaskTestHost.StartAsync(
            new Dictionary<string, string?> { ["Tasks:WorkerConcurrency"] = "1" }, database: await TestDatabase.CreateAsync(provider));
        var client = await harness.SignInAsync("tasks-cancel@example.com");
        harness.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("call_1", TaskTestHost.SlowTool, """{"milliseconds":20000}""")));
        var id = (await harness.StartTaskAsync(client, "Sleep for long.")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitUntilAsync(() => harness.Downstream.CallCount("slow") == 1, "the slow tool call");

        var cancelled = await TaskTestHost.CallAsync(client, "cancel_agent_task", new() { ["task_id"] = id });

        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        harness.Llm.Enqueue(LlmReply.Text("Next one done."));
        var next = (await harness.StartTaskAsync(client, "Then this one.", servers: [])).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitForStatusAsync(client, next, "completed", TimeSpan.FromSeconds(3));

        // The run stopped long before its 20 s call would have ended, and it asked the upstream nothing more.
        Assert.Equal(2, harness.Llm.RequestCount);
        Assert.Equal("Then this one.", (string?)harness.Llm.Requests[1].Messages[^1]?["content"]);
        var task = await TaskTestHost.CallAsync(client, "get_agent_task", new() { ["task_id"] = id });
        Assert.Equal("cancelled", task.GetProperty("status").GetString());

        // Cancelling an ended task returns it as it is.
        var again = await TaskTestHost.CallAsync(client, "cancel_agent_task", new() { ["task_id"] = id });
        Assert.Equal("cancelled", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnotherUser_CannotGetCancelOrListTheTask_SameNotFoundAsUnknownId()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var alice = await harness.SignInAsync("tasks-alice@example.com");
        var bob = await harness.SignInAsync("tasks-bob@example.com");
        harness.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", TaskTestHost.SlowTool, """{"milliseconds":3000}""")),
            LlmReply.Text("Alice's secret answer."));
        var id = (await harness.StartTaskAsync(alice, "Alice's job.")).GetProperty("task_id").GetString()!;
        var unknown = AgentTask.NewId();

        foreach (var tool in new[] { "get_agent_task", "cancel_agent_task" })
        {
            var theirs = await TaskTestHost.CallRawAsync(bob, tool, new() { ["task_id"] = id });
            var missing = await TaskTestHost.CallRawAsync(bob, tool, new() { ["task_id"] = unknown });
            Assert.True(theirs.IsError);
            Assert.True(missing.IsError);
            Assert.Equal(TaskTestHost.Text(missing).Replace(unknown, "ID", StringComparison.Ordinal), TaskTestHost.Text(theirs).Replace(id, "ID", StringComparison.Ordinal));
            Assert.Contains("found", TaskTestHost.Text(theirs), StringComparison.Ordinal);
        }

        var bobsList = await TaskTestHost.CallAsync(bob, "list_agent_tasks", new());
        Assert.Equal(0, bobsList.GetProperty("tasks").GetArrayLength());

        // Bob's cancel did nothing: Alice's task runs to its end.
        var task = await TaskTestHost.WaitForStatusAsync(alice, id, "completed");
        Assert.Contains("Alice's secret answer.", task.GetProperty("output").GetString(), StringComparison.Ordinal);
        var alicesList = await TaskTestHost.CallAsync(alice, "list_agent_tasks", new());
        Assert.Equal(id, alicesList.GetProperty("tasks")[0].GetProperty("task_id").GetString());
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task ListAgentTasks_ReturnsNewestFirst_FilteredByStatus(string provider)
    {
        await using var harness = await TaskTestHost.StartAsync(database: await TestDatabase.CreateAsync(provider));
        var client = await harness.SignInAsync("tasks-list@example.com");
        harness.Llm.Responder = request => request.Messages.Count > 0 && request.Messages[^1]?["content"]?.GetValue<string>() == "wait"
            ? LlmReply.Text("waited") with { DelayBeforeHeaders = TimeSpan.FromSeconds(20) }
            : LlmReply.Text("quick");

        var first = (await harness.StartTaskAsync(client, "one")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitForStatusAsync(client, first, "completed");
        var second = (await harness.StartTaskAsync(client, "two")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitForStatusAsync(client, second, "completed");
        var third = (await harness.StartTaskAsync(client, "wait")).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitForStatusAsync(client, third, "working");

        var all = await TaskTestHost.CallAsync(client, "list_agent_tasks", new());
        Assert.Equal([third, second, first], all.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()));

        var completed = await TaskTestHost.CallAsync(client, "list_agent_tasks", new() { ["status"] = "completed", ["limit"] = 1 });
        Assert.Equal([second], completed.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()));

        var working = await TaskTestHost.CallAsync(client, "list_agent_tasks", new() { ["status"] = "working" });
        Assert.Equal([third], working.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()));

        var bad = await TaskTestHost.CallRawAsync(client, "list_agent_tasks", new() { ["status"] = "sleeping" });
        Assert.True(bad.IsError);
        await TaskTestHost.CallAsync(client, "cancel_agent_task", new() { ["task_id"] = third });
    }

    [Fact]
    public async Task ListTools_TaskTools_HaveDescriptionsAnnotationsAndOutputSchemas()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync("tasks-schema@example.com");

        var tools = (await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken)).ToDictionary(t => t.Name);

        foreach (var (name, readOnly) in new[] { ("start_agent_task", false), ("get_agent_task", true), ("cancel_agent_task", false), ("list_agent_tasks", true) })
        {
            var tool = tools[name].ProtocolTool;
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), name);
            Assert.Equal(readOnly, tool.Annotations?.ReadOnlyHint);
            Assert.NotNull(tool.OutputSchema);
            foreach (var property in tool.InputSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.True(property.Value.TryGetProperty("description", out _), $"{name}.{property.Name} has no description");
            }
        }

        var start = tools["start_agent_task"].ProtocolTool;
        Assert.Equal(
            ["allowed_tools", "instructions", "max_rounds", "mcp_servers", "model", "profile", "prompt", "require_approval", "store"],
            start.InputSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["prompt"], start.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(start.OutputSchema!.Value.GetProperty("properties").TryGetProperty("result_url", out _));
        Assert.True(tools["get_agent_task"].ProtocolTool.OutputSchema!.Value.GetProperty("properties").TryGetProperty("login_links", out _));
        Assert.True(tools["get_agent_task"].ProtocolTool.OutputSchema!.Value.GetProperty("properties").TryGetProperty("approvals", out _));
        Assert.True(tools["list_agent_tasks"].ProtocolTool.OutputSchema!.Value.GetProperty("properties").TryGetProperty("tasks", out _));
    }

    [Fact]
    public async Task StartAgentTask_WithBadInput_IsAToolError()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync("tasks-bad@example.com");

        var noPrompt = await TaskTestHost.CallRawAsync(client, "start_agent_task", new() { ["prompt"] = " " });
        var badUrl = await TaskTestHost.CallRawAsync(client, "start_agent_task", new() { ["prompt"] = "x", ["mcp_servers"] = new[] { "ftp://nope" } });
        var rounds = await TaskTestHost.CallRawAsync(client, "start_agent_task", new() { ["prompt"] = "x", ["max_rounds"] = 0 });

        Assert.True(noPrompt.IsError);
        Assert.Contains("prompt", TaskTestHost.Text(noPrompt), StringComparison.Ordinal);
        Assert.True(badUrl.IsError);
        Assert.True(rounds.IsError);
        Assert.Equal(0, harness.Llm.RequestCount);
    }
}
