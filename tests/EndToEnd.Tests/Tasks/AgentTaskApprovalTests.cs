using System.Net;
using System.Text.Json;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>
/// Agent tasks with require_approval: the task waits in input_required without a worker, its owner decides on the
/// approval page, and a worker resumes it with exactly the decided calls.
/// </summary>
public sealed class AgentTaskApprovalTests
{
    private const string Email = "tasks-approval@example.com";

    private static Task<JsonElement> StartAsync(TaskTestHost harness, McpClient client, object? requireApproval = null, string prompt = "Echo hi") =>
        TaskTestHost.CallAsync(client, "start_agent_task", new()
        {
            ["prompt"] = prompt,
            ["mcp_servers"] = new[] { harness.Downstream.Endpoint.AbsoluteUri },
            ["require_approval"] = requireApproval ?? "always",
        });

    private static async Task<(string Id, Uri Page)> StartAndAwaitApprovalAsync(TaskTestHost harness, McpClient client)
    {
        harness.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", TaskTestHost.EchoTool, """{"text":"hi"}""")), LlmReply.Text("Done."));
        var id = (await StartAsync(harness, client)).GetProperty("task_id").GetString()!;
        var waiting = await TaskTestHost.WaitForStatusAsync(client, id, "input_required");
        var approval = Assert.Single(waiting.GetProperty("approvals").EnumerateArray());
        Assert.Equal("echo", approval.GetProperty("tool").GetString());
        Assert.Equal("""{"text":"hi"}""", approval.GetProperty("arguments").GetString());
        return (id, new Uri(approval.GetProperty("url").GetString()!));
    }

    private static async Task<(HttpStatusCode Status, string Html)> DecideAsync(SubAgentHost host, Uri page, string email, string decision)
    {
        using var browser = new Browser(host.BaseUrl);
        await browser.TryLoginAsync(email, TaskTestHost.Password);
        var (shown, html) = await browser.GetPageAsync(page);
        return shown == HttpStatusCode.OK ? await browser.SubmitAsync(page, new() { ["decision"] = decision }) : (shown, html);
    }

    [Theory]
    [InlineData("approve", 1, "echo: hi")]
    [InlineData("deny", 0, "denied by the user")]
    public async Task StartAgentTask_RequireApproval_WaitsWithoutAWorker_ThenRunsTheDecidedCallOnce(string decision, int callsMade, string toolResult)
    {
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?> { ["Tasks:WorkerConcurrency"] = "1" });
        var client = await harness.SignInAsync(Email);

        var (id, page) = await StartAndAwaitApprovalAsync(harness, client);

        // Waiting holds no worker (the one worker runs another task meanwhile), and the call has not reached the server.
        harness.Llm.Enqueue(LlmReply.Text("Done."));
        var other = (await harness.StartTaskAsync(client, "Meanwhile.", servers: [])).GetProperty("task_id").GetString()!;
        await TaskTestHost.WaitForStatusAsync(client, other, "completed");
        Assert.Equal(0, harness.Downstream.CallCount("echo"));
        using var http = harness.Host.CreateHttpClient();
        var resultPage = await http.GetStringAsync($"tasks/{id}.md", TestContext.Current.CancellationToken);
        Assert.Contains("Waiting for the owner to approve or deny", resultPage, StringComparison.Ordinal);
        Assert.Contains(page.AbsoluteUri, resultPage, StringComparison.Ordinal);

        var (posted, _) = await DecideAsync(harness.Host, page, Email, decision);
        Assert.Equal(HttpStatusCode.OK, posted);

        var done = await TaskTestHost.WaitForStatusAsync(client, id, "completed");
        Assert.Equal(callsMade, harness.Downstream.CallCount("echo"));
        Assert.Contains(toolResult, (string?)harness.Llm.Requests[2].Messages[^1]!["content"], StringComparison.Ordinal);
        Assert.EndsWith("Done.", done.GetProperty("output").GetString()!.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(0, done.GetProperty("approvals").GetArrayLength());
        Assert.Equal(3, harness.Llm.RequestCount);

        // The decision served its call: deciding again is refused and runs nothing more.
        var (again, _) = await DecideAsync(harness.Host, page, Email, decision);
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal(callsMade, harness.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task StartAgentTask_NobodyDecides_FailsAfterMaxApprovalWait_WithoutTheCall()
    {
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tasks:MaxApprovalWait"] = "00:00:03",
            ["Tasks:CleanupInterval"] = "00:00:00.100",
        });
        var client = await harness.SignInAsync(Email);
        var (id, page) = await StartAndAwaitApprovalAsync(harness, client);

        var failed = await TaskTestHost.WaitForStatusAsync(client, id, "failed");

        Assert.Contains("Tasks:MaxApprovalWait", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        var (late, html) = await DecideAsync(harness.Host, page, Email, "approve");
        Assert.Equal(HttpStatusCode.Conflict, late);
        Assert.Contains("expired", html, StringComparison.Ordinal);
        Assert.Equal(0, harness.Downstream.CallCount("echo"));
        Assert.Equal(1, harness.Llm.RequestCount);
    }

    [Fact]
    public async Task StartAgentTask_AnotherUserOpensTheLink_IsRefused_AndTheTaskKeepsWaiting()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync(Email);
        var other = await harness.SignInAsync("tasks-approval-other@example.com");
        var (id, page) = await StartAndAwaitApprovalAsync(harness, client);

        var (status, _) = await DecideAsync(harness.Host, page, "tasks-approval-other@example.com", "approve");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var notTheirs = await TaskTestHost.CallRawAsync(other, "get_agent_task", new() { ["task_id"] = id });
        Assert.True(notTheirs.IsError);
        var task = await TaskTestHost.CallAsync(client, "get_agent_task", new() { ["task_id"] = id });
        Assert.Equal("input_required", task.GetProperty("status").GetString());
        Assert.Equal(0, harness.Downstream.CallCount("echo"));
        Assert.Equal(1, harness.Llm.RequestCount);
    }

    [Fact]
    public async Task StartAgentTask_HostRestartsWhileWaiting_ApprovalOnTheNewHostResumesIt()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync(Email);
        var (id, page) = await StartAndAwaitApprovalAsync(harness, client);

        await harness.StopHostAsync();
        await using var restarted = await harness.StartReplicaAsync();
        var (posted, _) = await DecideAsync(restarted, new Uri(restarted.BaseUrl, page.PathAndQuery), Email, "approve");
        Assert.Equal(HttpStatusCode.OK, posted);

        var done = await TaskTestHost.WaitForPageStatusAsync(restarted, id, "completed", TimeSpan.FromSeconds(15));
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(1, harness.Downstream.CallCount("echo"));
        Assert.Contains("Done.", (string)done["output"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAgentTask_DecisionRecordedButTaskNotQueued_TheCleanupSweepResumesIt()
    {
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?> { ["Tasks:CleanupInterval"] = "00:00:00.200" });
        var client = await harness.SignInAsync(Email);
        var (id, page) = await StartAndAwaitApprovalAsync(harness, client);

        // As if the process that recorded the decision stopped before it queued the task.
        var approvals = harness.Host.Services.GetRequiredService<IMcpApprovalStore>();
        var approval = (await approvals.FindAsync(page.Segments[^1], TestContext.Current.CancellationToken))!;
        Assert.True(await approvals.DecideAsync(approval.Id, approval.UserKey, approve: true, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken));

        await TaskTestHost.WaitForStatusAsync(client, id, "completed");
        Assert.Equal(1, harness.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task StartAgentTask_RequireApprovalInFrontMatter_WaitsInInputRequired()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync(Email);
        harness.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", TaskTestHost.EchoTool, """{"text":"hi"}""")));
        var prompt = $"---\nmcp: {harness.Downstream.Endpoint.AbsoluteUri}\nrequire_approval: always\n---\nEcho hi";

        var started = await TaskTestHost.CallAsync(client, "start_agent_task", new() { ["prompt"] = prompt });

        var waiting = await TaskTestHost.WaitForStatusAsync(client, started.GetProperty("task_id").GetString()!, "input_required");
        Assert.Equal("echo", waiting.GetProperty("approvals")[0].GetProperty("tool").GetString());
        Assert.Equal(0, harness.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task StartAgentTask_BadRequireApproval_IsRefusedAtOnce()
    {
        await using var harness = await TaskTestHost.StartAsync();
        var client = await harness.SignInAsync(Email);

        var result = await TaskTestHost.CallRawAsync(client, "start_agent_task", new()
        {
            ["prompt"] = "Echo hi",
            ["mcp_servers"] = new[] { harness.Downstream.Endpoint.AbsoluteUri },
            ["require_approval"] = "sometimes",
        });

        Assert.True(result.IsError);
        Assert.Contains("require_approval", TaskTestHost.Text(result), StringComparison.Ordinal);
    }
}
