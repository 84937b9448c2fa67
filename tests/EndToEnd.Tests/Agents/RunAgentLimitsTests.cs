using System.Collections.Concurrent;
using McpSubAgent.Completions;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.EndToEnd.Tests.Agents;

/// <summary><c>run_agent</c> under the limits: progress while a tool is silent, the run deadline, the per-user run limit.</summary>
public sealed class RunAgentLimitsTests
{
    private static Dictionary<string, object?> Arguments(AgentHarness h, string prompt) =>
        new() { ["prompt"] = prompt, ["mcp_servers"] = new[] { h.Downstream.Endpoint.AbsoluteUri } };

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task LongToolCall_ProgressKeepsComingWhileItRuns()
    {
        await using var h = await AgentHarness.StartAsync(s => s.PostConfigure<CompletionsOptions>(o => o.KeepAliveInterval = TimeSpan.FromMilliseconds(300)));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":2500}""")), LlmReply.Text("rested"));
        var messages = new ConcurrentQueue<(TimeSpan At, string Message)>();
        var started = TimeProvider.System.GetTimestamp();

        var result = await h.Client.CallToolAsync("run_agent", Arguments(h, "sleep"),
            new SynchronousProgress(v => messages.Enqueue((TimeProvider.System.GetElapsedTime(started), v.Message ?? ""))),
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(true, result.IsError);
        var stillWorking = messages.Where(m => m.Message.StartsWith("Still working", StringComparison.Ordinal)).ToList();
        Assert.True(stillWorking.Count >= 4, string.Join("\n", messages.Select(m => $"{m.At}: {m.Message}")));
        Assert.Contains(stillWorking, m => m.At < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task RunPastTheDeadline_FailsWithTheReason()
    {
        await using var h = await AgentHarness.StartAsync(s => s.PostConfigure<CompletionsOptions>(o => o.MaxRunDuration = TimeSpan.FromSeconds(1.5)));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":30000}""")), LlmReply.Text("never"));

        var result = await h.Client.CallToolAsync("run_agent", Arguments(h, "sleep long"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsError);
        Assert.Equal("failed", result.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.Contains("MaxRunDuration", result.StructuredContent!.Value.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunBeyondTheUsersLimit_IsAToolErrorThatSaysWhy()
    {
        await using var h = await AgentHarness.StartAsync(s => s.PostConfigure<CompletionsOptions>(o => o.MaxConcurrentRunsPerUser = 1));
        h.Llm.Responder = r => r.Messages[^1]?["role"]?.ToString() == "tool"
            ? LlmReply.Text("done")
            : LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":2000}"""));
        var first = h.Client.CallToolAsync("run_agent", Arguments(h, "one"), cancellationToken: TestContext.Current.CancellationToken).AsTask();
        await h.Downstream.WaitForCallsAsync("slow", 1, TestContext.Current.CancellationToken);

        var second = await h.Client.CallToolAsync("run_agent", Arguments(h, "two"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(second.IsError);
        Assert.Contains("Too many runs at once", Text(second), StringComparison.Ordinal);
        Assert.NotEqual(true, (await first).IsError);
    }

    private sealed class SynchronousProgress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}
