using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpSubAgent.Completions.Diagnostics;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
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
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            // Only this test's meters: the factory is the test's own service provider.
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == CompletionsTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.Start();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"x"}""")), LlmReply.Text("done", new LlmUsage(30, 4)));

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        var run = Assert.Single(measurements, m => m.Instrument == "mcpsubagent.runs");
        Assert.Equal("Completed", run.Tags["mcpsubagent.outcome"]);
        Assert.Equal(2, measurements.Count(m => m.Instrument == "mcpsubagent.rounds"));
        var toolCall = Assert.Single(measurements, m => m.Instrument == "mcpsubagent.tool_calls");
        Assert.Equal("echo", toolCall.Tags["gen_ai.tool.name"]);
        Assert.Equal(40, measurements.Where(m => m.Instrument == "gen_ai.client.token.usage" && (string?)m.Tags["gen_ai.token.type"] == "input").Sum(m => m.Value));
        Assert.Single(measurements, m => m.Instrument == "mcpsubagent.run.duration");
        Assert.Single(measurements, m => m.Instrument == "mcpsubagent.tool_call.duration");
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
