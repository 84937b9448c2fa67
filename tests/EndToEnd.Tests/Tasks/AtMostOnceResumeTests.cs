using System.Net.Http.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>
/// A tool call under way when its process died is made again on resume only when the tool says that is safe; otherwise
/// the model and the person are told it was interrupted and may or may not have taken effect.
/// </summary>
public sealed class AtMostOnceResumeTests
{
    private static readonly Dictionary<string, string?> ShortLeases = new()
    {
        ["Tasks:LeaseDuration"] = "00:00:02",
        ["Tasks:PollInterval"] = "00:00:00.100",
    };

    [Fact]
    public async Task HostDiesDuringANonIdempotentCall_ResumeDoesNotCallItAgain_AndSaysItWasInterrupted()
    {
        var (harness, task, llmRequests) = await DieDuringCallAsync("mcp_127-0-0-1_send_slowly", "send_slowly", 30_000);
        await using var _ = harness;

        Assert.Equal("completed", (string?)task["status"]);
        Assert.Equal(1, harness.Downstream.CallCount("send_slowly"));
        var output = (string)task["output"]!;
        Assert.Contains("**Interrupted**: send_slowly", output, StringComparison.Ordinal);
        Assert.Contains("Checked the outbox.", output, StringComparison.Ordinal);

        // The model was asked again with the interruption as the call's result, not with the call repeated.
        Assert.Equal(llmRequests + 1, harness.Llm.RequestCount);
        var toolMessage = harness.Llm.Requests[^1].Messages[^1]!;
        Assert.Equal("tool", (string?)toolMessage["role"]);
        Assert.Contains("may or may not have taken effect", (string?)toolMessage["content"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostDiesDuringAnIdempotentCall_ResumeCallsItAgain()
    {
        var (harness, task, llmRequests) = await DieDuringCallAsync("mcp_127-0-0-1_put_slowly", "put_slowly", 3_000);
        await using var _ = harness;

        Assert.Equal("completed", (string?)task["status"]);
        Assert.Equal(2, harness.Downstream.CallCount("put_slowly"));
        Assert.DoesNotContain("**Interrupted**", (string)task["output"]!, StringComparison.Ordinal);
        Assert.Equal(llmRequests + 1, harness.Llm.RequestCount);
        Assert.Equal("stored", (string?)harness.Llm.Requests[^1].Messages[^1]!["content"]);
    }

    /// <summary>Starts a task whose first round calls <paramref name="functionName"/>, stops the host during the call, resumes on another.</summary>
    private static async Task<(TaskTestHost Harness, JsonObject Task, int LlmRequestsBeforeResume)> DieDuringCallAsync(
        string functionName, string toolName, int milliseconds)
    {
        var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?>(ShortLeases) { ["Tasks:ReleaseLeasesOnShutdown"] = "false" },
            mcpOptions: new TestMcpServerOptions { SideEffectTools = true });
        var client = await harness.SignInAsync($"at-most-once-{toolName}@example.com");
        harness.Llm.Responder = request => request.Messages[^1]?["role"]?.ToString() == "tool"
            ? LlmReply.Text("Checked the outbox.")
            : LlmReply.ToolCalls(new LlmToolCall("call_1", functionName, $$"""{"milliseconds":{{milliseconds}}}"""));
        var started = await harness.StartTaskAsync(client, $"Use {toolName}.");
        var id = started.GetProperty("task_id").GetString()!;
        await harness.Downstream.WaitForCallsAsync(toolName, 1, TestContext.Current.CancellationToken);

        // The process goes away mid-call, without giving the task back.
        await harness.StopHostAsync();
        var llmRequests = harness.Llm.RequestCount;

        await using var restarted = await harness.StartReplicaAsync();
        var task = await TaskTestHost.WaitForPageStatusAsync(restarted, id, "completed", TimeSpan.FromSeconds(20));

        return (harness, task, llmRequests);
    }
}
