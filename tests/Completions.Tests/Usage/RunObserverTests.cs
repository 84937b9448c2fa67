using System.Collections.Concurrent;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Completions.Usage;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Completions.Tests.Usage;

public sealed class RunObserverTests
{
    private sealed class RecordingObserver : ICompletionRunObserver
    {
        public ConcurrentQueue<CompletionRunReport> Reports { get; } = new();

        public ValueTask OnRunCompletedAsync(CompletionRunReport report, CancellationToken cancellationToken)
        {
            Reports.Enqueue(report);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ThrowingObserver : ICompletionRunObserver
    {
        public ValueTask OnRunCompletedAsync(CompletionRunReport report, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("billing is down");
    }

    [Fact]
    public async Task Run_ReportsUsagePerRoundTotalModelAndToolCalls()
    {
        var observer = new RecordingObserver();
        await using var h = await CompletionsHarness.StartAsync(services: s =>
        {
            s.AddSingleton<ICompletionRunObserver>(new ThrowingObserver());
            s.AddSingleton<ICompletionRunObserver>(observer);
        });
        h.Llm.Enqueue(
            LlmReply.ToolCalls(
                new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":200}"""),
                new LlmToolCall("c2", "mcp_127-0-0-1_fail", """{"message":"no"}""")) with { Usage = new LlmUsage(40, 2) },
            LlmReply.Text("done", new LlmUsage(60, 8)));
        var body = CompletionsHarness.Body("go", stream: true, h.McpTool());
        body["user"] = "carol";

        var answer = await h.StreamAsync(body);

        Assert.EndsWith("done", answer.Content);
        var report = Assert.Single(observer.Reports);
        Assert.Equal("carol", report.UserKey);
        Assert.Equal("fake-model", report.Model);
        Assert.Equal(RunOutcome.Completed, report.Outcome);
        Assert.Equal(answer.Ids[0], report.RunId);
        Assert.Equal([new TokenUsage(40, 2, 42), new TokenUsage(60, 8, 68)], report.RoundUsage);
        Assert.Equal(new TokenUsage(100, 10, 110), report.TotalUsage);
        var slow = report.ToolCalls.Single(c => c.ToolName == "slow");
        Assert.Equal(ToolCallStatus.Succeeded, slow.Status);
        Assert.True(slow.Duration >= TimeSpan.FromMilliseconds(190));
        Assert.Equal(ToolCallStatus.Failed, report.ToolCalls.Single(c => c.ToolName == "fail").Status);
        Assert.All(report.ToolCalls, c => Assert.Equal(1, c.Round));
    }

    [Fact]
    public async Task FailedRun_IsReportedAsFailed()
    {
        var observer = new RecordingObserver();
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamMaxRetries = 0, s => s.AddSingleton<ICompletionRunObserver>(observer));
        h.Llm.Enqueue(LlmReply.Error(500, "down"));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(RunOutcome.Failed, Assert.Single(observer.Reports).Outcome);
    }
}
