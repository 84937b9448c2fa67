using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Completions.Usage;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Completions.Tests.Approvals;

/// <summary>A run that waits (mcp_wait_for_approval) for the owner's decision on the approval page, and goes on by itself.</summary>
public sealed class ApprovalWaitTests
{
    private static readonly Uri Pages = new("https://agent.example/approvals/");

    private static async Task<List<CompletionEvent>> RunAsync(CompletionsHarness h, Func<McpToolApproval, Task> decide, TimeSpan wait)
    {
        var engine = h.Services.GetRequiredService<McpCompletionsEngine>();
        var body = CompletionsHarness.Body("Echo hi.", stream: true, h.McpTool());
        body["tools"]![0]!["require_approval"] = "always";
        var request = ChatCompletionRequestParser.Parse(body);
        using var http = new HttpClient();
        var upstream = new HttpChatCompletionsUpstream(http, h.Llm.BaseUrl, "sk-upstream");
        var events = new List<CompletionEvent>();
        var context = new CompletionRunContext("owner") { ApprovalPages = Pages, WaitForApproval = wait };
        await foreach (var e in engine.RunAsync(request.Run, context, upstream, TestContext.Current.CancellationToken))
        {
            events.Add(e);
            if (e is ApprovalPending pending)
            {
                await decide(pending.Approvals.Single());
            }
        }

        return events;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Decision_OnThePageWhileTheRunWaits_RunGoesOnByItself(bool approve)
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"hi"}""")), LlmReply.Text("Done."));
        var store = h.Services.GetRequiredService<IMcpApprovalStore>();
        var now = DateTimeOffset.UtcNow;

        var events = await RunAsync(h, async approval =>
        {
            Assert.Equal(0, h.Mcp.CallCount("echo"));
            Assert.Equal(new Uri(Pages, approval.Id), approval.PageUrl);
            Assert.False(await store.DecideAsync(approval.Id, "someone-else", approve: true, now, TestContext.Current.CancellationToken));
            Assert.True(await store.DecideAsync(approval.Id, "owner", approve, now, TestContext.Current.CancellationToken));
        }, TimeSpan.FromSeconds(30));

        Assert.Equal(RunOutcome.Completed, events.OfType<CompletionFinished>().Single().Outcome);
        Assert.Equal(approve ? 1 : 0, h.Mcp.CallCount("echo"));
        var completed = events.OfType<ToolCallCompleted>().Single();
        Assert.Equal(approve ? ToolCallStatus.Succeeded : ToolCallStatus.Denied, completed.Status);
        var text = string.Concat(events.OfType<ContentDelta>().Select(d => d.Text));
        Assert.Contains("?decision=approve", text);
        Assert.Contains(approve ? "echo: hi" : "denied by the user", (string?)h.Llm.Requests[1].Messages[2]!["content"]);
    }

    [Fact]
    public async Task NoDecisionInTime_AnswersWithTheHeldCall()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"hi"}""")));

        var events = await RunAsync(h, _ => Task.CompletedTask, TimeSpan.FromSeconds(1));

        var finished = events.OfType<CompletionFinished>().Single();
        Assert.Equal(RunOutcome.ApprovalRequired, finished.Outcome);
        Assert.Equal("tool_calls", finished.FinishReason);
        Assert.StartsWith(McpCompletionsEngine.ApprovalIdPrefix, (string?)events.OfType<ClientToolCallsRequested>().Single().ToolCalls[0]!["id"]);
        Assert.Equal(0, h.Mcp.CallCount("echo"));
    }
}
