using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.Completions.Tests.Loop;

/// <summary>The limits that keep one stalled upstream, slow tool or greedy user from holding the machine.</summary>
public sealed class RunLimitsTests
{
    private static double SecondsSince(long start) => TimeProvider.System.GetElapsedTime(start).TotalSeconds;

    [Fact]
    public async Task UpstreamSendsNoHeaders_GatewayTimeoutWithinTheLimit_WithoutRetrying()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamHeadersTimeout = TimeSpan.FromSeconds(1));
        h.Llm.Enqueue(LlmReply.Text("too late") with { DelayBeforeHeaders = TimeSpan.FromSeconds(60) });
        var started = TimeProvider.System.GetTimestamp();

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("no response within 1 s", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.InRange(SecondsSince(started), 0.9, 10);
        Assert.Equal(1, h.Llm.RequestCount);
    }

    [Fact]
    public async Task UpstreamStallsMidStream_TheIdleLimitEndsTheCall()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamIdleTimeout = TimeSpan.FromSeconds(1));
        h.Llm.Enqueue(LlmReply.Text("drip drip drip drip") with { DelayBetweenChunks = TimeSpan.FromSeconds(30) });
        var started = TimeProvider.System.GetTimestamp();

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("sent nothing for 1 s", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.InRange(SecondsSince(started), 0.9, 10);
    }

    [Fact]
    public async Task UpstreamDripsForever_TheCallLimitEndsIt()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamCallTimeout = TimeSpan.FromSeconds(1.5));
        h.Llm.Enqueue(LlmReply.Text(new string('x', 400)) with { DelayBetweenChunks = TimeSpan.FromMilliseconds(200) });
        var started = TimeProvider.System.GetTimestamp();

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("within 1.5 s", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.InRange(SecondsSince(started), 1.4, 10);
    }

    [Fact]
    public async Task UpstreamAnswerLargerThanTheLimit_IsRefused()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.MaxUpstreamResponseBytes = 4096);
        h.Llm.Enqueue(LlmReply.Text(new string('y', 8000)));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("larger than 4096 bytes", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunLongerThanMaxRunDuration_IsStopped()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.MaxRunDuration = TimeSpan.FromSeconds(1.5));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":30000}""")), LlmReply.Text("never"));
        var started = TimeProvider.System.GetTimestamp();

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["error"]!;
        Assert.Equal("run_timeout", (string?)error["code"]);
        Assert.Contains("MaxRunDuration", (string?)error["message"]);
        Assert.InRange(SecondsSince(started), 1.4, 10);
        Assert.Equal(1, h.Llm.RequestCount);
    }

    [Fact]
    public async Task OneRunTooManyForTheUser_IsRefusedWithRetryAfter_AndTheSlotComesBack()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.MaxConcurrentRunsPerUser = 1);
        h.Llm.Responder = r => r.Messages[^1]?["role"]?.ToString() == "tool"
            ? LlmReply.Text("done")
            : LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":1500}"""));
        var first = h.PostAsync(CompletionsHarness.Body("one", stream: false, h.McpTool()));
        await h.Mcp.WaitForCallsAsync("slow", 1, TestContext.Current.CancellationToken);

        using (var second = await h.PostAsync(CompletionsHarness.Body("two", stream: false, h.McpTool())))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.Contains("too_many_runs", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        using (var done = await first)
        {
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        }

        using var third = await h.PostAsync(CompletionsHarness.Body("three", stream: false, h.McpTool()));
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task ToolResultLargerThanTheLimit_IsNotRead_AndTheModelIsToldHowMuchWasLeftOut()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.MaxToolResultBytes = 64 * 1024);
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_big", """{"length":500000}""")), LlmReply.Text("ok"));

        var completion = await h.CompleteAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        var toolMessage = h.Llm.Requests[1].Messages[^1]!;
        var forModel = (string)toolMessage["content"]!;
        Assert.Contains("larger than the limit of 65536 bytes", forModel, StringComparison.Ordinal);
        Assert.Contains("left out", forModel, StringComparison.Ordinal);
        Assert.True(forModel.Length < 2000);
        var shown = (string)completion["choices"]![0]!["message"]!["content"]!;
        Assert.Contains("Completions:MaxToolResultBytes", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789012345", shown, StringComparison.Ordinal);

        // The session stays usable: the next call of the same server works.
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c2", "mcp_127-0-0-1_echo", """{"text":"after"}""")), LlmReply.Text("fine"));
        var next = await h.CompleteAsync(CompletionsHarness.Body("again", stream: false, h.McpTool()));
        Assert.Contains("echo: after", (string)next["choices"]![0]!["message"]!["content"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentTool_StreamCarriesKeepAlivesAndTheCallBlockBeforeTheResult()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.KeepAliveInterval = TimeSpan.FromMilliseconds(200));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":1500}""")), LlmReply.Text("rested"));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));
        await using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        double? blockAt = null;
        double? resultAt = null;
        var started = TimeProvider.System.GetTimestamp();
        int read;
        while ((read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var all = text.ToString();
            blockAt ??= all.Contains($"slow ({h.Mcp.Endpoint.Authority})", StringComparison.Ordinal) ? SecondsSince(started) : null;
            resultAt ??= all.Contains("slept 1500 ms", StringComparison.Ordinal) ? SecondsSince(started) : null;
        }

        var body = text.ToString();
        Assert.NotNull(blockAt);
        Assert.NotNull(resultAt);
        Assert.True(resultAt - blockAt > 1.0, $"the call block came at {blockAt:0.00} s, the result at {resultAt:0.00} s");
        Assert.True(CountOf(body, ": keep-alive") >= 3, body);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
