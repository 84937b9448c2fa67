using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Completions.Usage;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Completions.Tests.Loop;

public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task RateLimited_RetriesAfterTheRetryAfterAndSucceeds()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Error(429, "slow down", TimeSpan.FromSeconds(1)), LlmReply.Error(503, "busy"), LlmReply.Text("finally"));
        var started = TimeProvider.System.GetTimestamp();

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Equal("finally", answer.Content);
        Assert.Equal(3, h.Llm.RequestCount);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromSeconds(0.9), "Retry-After was honoured");
    }

    [Fact]
    public async Task PersistentServerError_BeforeAnyByte_PassesTheStatusAndBodyOn()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamMaxRetries = 2);
        h.Llm.Responder = _ => LlmReply.Error(500, "the model is down");

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        Assert.Equal("the model is down", (string?)error!["error"]!["message"]);
        Assert.Equal(3, h.Llm.RequestCount);
    }

    [Fact]
    public async Task ClientError_IsNotRetried()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Error(401, "bad key"));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, h.Llm.RequestCount);
    }

    [Fact]
    public async Task FailureInALaterRound_Streaming_EndsWithAnErrorEventAndAnIncompleteStream()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamMaxRetries = 0);
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"a"}""")), LlmReply.Error(500, "overloaded"));

        var (events, failure) = await h.StreamUntilFailureAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Contains("echo: a", string.Concat(events.Select(e => (string?)e["choices"]?[0]?["delta"]?["content"])));
        var error = events[^1]["error"] ?? throw new Xunit.Sdk.XunitException(string.Join("\n", events.Select(e => e.ToJsonString())));
        Assert.Contains("The upstream LLM answered 500", (string?)error["message"]);
        Assert.Contains("overloaded", (string?)error["message"]);
        Assert.DoesNotContain(events, e => e["choices"]?[0]?["finish_reason"] is JsonValue);
        Assert.IsType<McpSubAgent.Completions.Upstream.UpstreamException>(Assert.IsType<IOException>(failure).InnerException);
    }

    [Fact]
    public async Task FailureInALaterRound_NonStreaming_AnswersWithTheUpstreamStatus()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamMaxRetries = 0);
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"a"}""")), LlmReply.Error(503, "overloaded"));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task StreamBreaksOff_TheCallerSeesAFailureNotAnAnswer()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("this answer will be cut off somewhere in the middle") with { AbortAfterChunks = 4 });

        var (events, failure) = await h.StreamUntilFailureAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Contains("The upstream LLM's stream broke off", (string?)events[^1]["error"]!["message"]);
        Assert.DoesNotContain(events, e => e["choices"]?[0]?["finish_reason"] is JsonValue);
        Assert.NotNull(failure);
    }

    [Fact]
    public async Task EmptyBody_IsAnError_NotAnEmptyAnswer()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamMaxRetries = 0);
        h.Llm.Enqueue(LlmReply.Raw(200, "", "text/event-stream"));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("broke off", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StreamEndingCleanlyWithoutAFinish_IsAnError()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamMaxRetries = 0);
        h.Llm.Enqueue(LlmReply.Raw(200,
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"half an ans\"}}]}\n\n", "text/event-stream"));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task DoneWithNothingBeforeIt_IsAnEmptyAnswerError()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.UpstreamMaxRetries = 0);
        h.Llm.Enqueue(LlmReply.Raw(200, "data: [DONE]\n\n", "text/event-stream"));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("was empty", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ErrorInsideA200Stream_IsReportedAsAnError()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Raw(200, "data: {\"error\":{\"message\":\"provider exploded\"}}\n\n", "text/event-stream"));

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("provider exploded", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UpstreamThatIgnoresStreamTrue_IsReadAsOneCompletion()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Raw(200, """
            {"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,
            "tool_calls":[{"id":"c1","type":"function","function":{"name":"mcp_127-0-0-1_echo","arguments":"{\"text\":\"json\"}"}}]},
            "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}
            """), LlmReply.Text("done"));

        var completion = await h.CompleteAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Contains("echo: json", (string)completion["choices"]![0]!["message"]!["content"]!);
        Assert.Equal(22, (int)completion["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task CallerCancels_DuringASlowTool_TheRunStopsAtOnce()
    {
        var runs = new RunEndObserver();
        await using var h = await CompletionsHarness.StartAsync(services: s => s.AddSingleton<ICompletionRunObserver>(runs));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":30000}""")), LlmReply.Text("never"));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        var started = TimeProvider.System.GetTimestamp();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            using var response = await h.PostWithTokenAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()), cancellation.Token);
        });

        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
        Assert.Equal(1, h.Mcp.CallCount("slow"));
        Assert.Equal(RunOutcome.Cancelled, (await runs.WaitAsync(TestContext.Current.CancellationToken)).Outcome);
        Assert.Equal(1, h.Llm.RequestCount);
    }

    [Fact]
    public async Task CallerCancels_WhileTheUpstreamIsThinking_TheUpstreamCallIsAbandoned()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("too late") with { DelayBeforeHeaders = TimeSpan.FromSeconds(30) });
        using var cancellation = new CancellationTokenSource();
        var call = h.PostWithTokenAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()), cancellation.Token);
        for (var i = 0; i < 200 && h.Llm.RequestCount == 0; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, h.Llm.RequestCount);
        var cancelledAt = TimeProvider.System.GetTimestamp();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // Had the cancellation not reached the upstream call, the engine would still be waiting out the 30 s.
        Assert.True(TimeProvider.System.GetElapsedTime(cancelledAt) < TimeSpan.FromSeconds(5));
        Assert.Equal(1, h.Llm.RequestCount);
    }

    [Fact]
    public async Task CallerClosesTheStream_TheRunStopsBeforeItsNextRound()
    {
        var runs = new RunEndObserver();
        await using var h = await CompletionsHarness.StartAsync(services: s => s.AddSingleton<ICompletionRunObserver>(runs));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":1500}""")), LlmReply.Text("never"));

        using (var response = await h.PostAsync(CompletionsHarness.Body("go", stream: true, h.McpTool())))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A run that went on would ask the upstream again once the 1.5 s tool call ended, before it reports its end.
        Assert.Equal(RunOutcome.Cancelled, (await runs.WaitAsync(TestContext.Current.CancellationToken)).Outcome);
        Assert.Equal(1, h.Llm.RequestCount);
    }
}
