using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpSubAgent.Completions.Diagnostics;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Completions.Tests.Diagnostics;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Run_EmitsGenAiSpansPerRunRoundUpstreamCallAndToolCall()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CompletionsTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"x"}"""), new LlmToolCall("c2", "mcp_127-0-0-1_fail", """{"message":"no"}""")),
            LlmReply.Text("done"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        // Other tests run at the same time: this run's spans are those of its trace.
        var run = activities.Single(a => a.OperationName == "invoke_agent" && (string?)a.GetTagItem("gen_ai.conversation.id") == answer.Ids[0]);
        var trace = activities.Where(a => a.TraceId == run.TraceId).ToList();
        Assert.Equal("Completed", run.GetTagItem("mcpsubagent.outcome"));
        Assert.Equal(20L, run.GetTagItem("gen_ai.usage.input_tokens"));
        var rounds = trace.Where(a => a.OperationName == "round").ToList();
        Assert.Equal(2, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(run.SpanId, r.ParentSpanId));
        var chats = trace.Where(a => a.OperationName == "chat fake-model").ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, c => Assert.Equal(ActivityKind.Client, c.Kind));
        Assert.All(chats, c => Assert.Contains(c.ParentSpanId, rounds.Select(r => r.SpanId)));
        var echo = trace.Single(a => a.OperationName == "execute_tool echo");
        Assert.Equal("execute_tool", echo.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("c1", echo.GetTagItem("gen_ai.tool.call.id"));
        Assert.Equal(ActivityStatusCode.Unset, echo.Status);
        Assert.Equal(rounds.Single(r => (int)r.GetTagItem("mcpsubagent.round")! == 1).SpanId, echo.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, trace.Single(a => a.OperationName == "execute_tool fail").Status);
    }

    [Fact]
    public async Task Run_RecordsRunsRoundsToolCallsAndTokens()
    {
        await using var h = await CompletionsHarness.StartAsync();
        var factory = h.Services.GetRequiredService<IMeterFactory>();
        // Only this test's meters: the factory is the test's own service provider.
        using var runs = new MetricCollector<long>(factory, CompletionsTelemetry.Name, "mcpsubagent.runs");
        using var rounds = new MetricCollector<long>(factory, CompletionsTelemetry.Name, "mcpsubagent.rounds");
        using var toolCalls = new MetricCollector<long>(factory, CompletionsTelemetry.Name, "mcpsubagent.tool_calls");
        using var tokens = new MetricCollector<long>(factory, CompletionsTelemetry.Name, "gen_ai.client.token.usage");
        using var runDuration = new MetricCollector<double>(factory, CompletionsTelemetry.Name, "mcpsubagent.run.duration");
        using var toolCallDuration = new MetricCollector<double>(factory, CompletionsTelemetry.Name, "mcpsubagent.tool_call.duration");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"x"}""")), LlmReply.Text("done", new LlmUsage(30, 4)));

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        var run = Assert.Single(runs.GetMeasurementSnapshot());
        Assert.Equal("Completed", run.Tags["mcpsubagent.outcome"]);
        Assert.Equal(2, rounds.GetMeasurementSnapshot().Count);
        var toolCall = Assert.Single(toolCalls.GetMeasurementSnapshot());
        Assert.Equal("echo", toolCall.Tags["gen_ai.tool.name"]);
        Assert.Equal(40, tokens.GetMeasurementSnapshot().Where(m => (string?)m.Tags["gen_ai.token.type"] == "input").Sum(m => m.Value));
        Assert.Single(runDuration.GetMeasurementSnapshot());
        Assert.Single(toolCallDuration.GetMeasurementSnapshot());
    }
}
