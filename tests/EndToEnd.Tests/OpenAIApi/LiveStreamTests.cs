using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Llm;
using OpenAI.Chat;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>
/// Streams that are live while tools run, failures that are never shown as answers, and upstream time limits, through
/// <c>/v1/chat/completions</c> with the official OpenAI .NET SDK and plain HTTP.
/// </summary>
public sealed class LiveStreamTests
{
    [Fact]
    public async Task UpstreamBreaksOffMidStream_TheOfficialSdkRaises()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("stream-broken@example.com");
        h.Llm.Enqueue(LlmReply.Text("this answer is going to be cut off in the middle of it") with { AbortAfterChunks = 5 });

        var text = new StringBuilder();
        var failure = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in h.Chat(token).CompleteChatStreamingAsync([new UserChatMessage("go")], cancellationToken: TestContext.Current.CancellationToken))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }

                Assert.Null(update.FinishReason);
            }
        });

        Assert.NotNull(failure);
        Assert.IsNotType<Xunit.Sdk.XunitException>(failure, exactMatch: false);
        Assert.StartsWith("this", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamBreaksOff_TheStreamEndsWithOpenAIsErrorEventAndNoDone()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("stream-error-event@example.com");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", OpenAIApiHarness.EchoTool, """{"text":"x"}""")), LlmReply.Error(500, "model crashed"));

        var (body, failed) = await ReadRawAsync(h, token, h.Body("go", stream: true));

        Assert.True(failed, "the response must end as incomplete");
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"finish_reason\":\"stop\"", body, StringComparison.Ordinal);
        var lastData = body.Split("\n").Last(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
        var error = JsonNode.Parse(lastData)!["error"]!;
        Assert.Contains("model crashed", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowTool_HeadersAndTheCallBlockArriveAtOnce_KeepAlivesWhileItRuns()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["Completions:KeepAliveInterval"] = "00:00:01" });
        var token = await h.SignInAsync("stream-live@example.com");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":8000}""")), LlmReply.Text("Rested."));

        using var http = h.Host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(h.Body("sleep", stream: true).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var started = TimeProvider.System.GetTimestamp();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var headersAt = TimeProvider.System.GetElapsedTime(started);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        TimeSpan? blockAt = null;
        TimeSpan? resultAt = null;
        int read;
        while ((read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            blockAt ??= text.ToString().Contains($"slow ({h.Downstream.Endpoint.Authority})", StringComparison.Ordinal) ? TimeProvider.System.GetElapsedTime(started) : null;
            resultAt ??= text.ToString().Contains("slept 8000 ms", StringComparison.Ordinal) ? TimeProvider.System.GetElapsedTime(started) : null;
        }

        Assert.True(headersAt < TimeSpan.FromSeconds(4), $"headers after {headersAt}");
        Assert.NotNull(blockAt);
        Assert.NotNull(resultAt);
        Assert.True(resultAt - blockAt > TimeSpan.FromSeconds(6), $"the call block came at {blockAt}, the result at {resultAt}");
        var keepAlives = text.ToString().Split(": keep-alive").Length - 1;
        Assert.True(keepAlives >= 5, $"{keepAlives} keep-alives in {text}");
        Assert.EndsWith("data: [DONE]\n\n", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProviderWithItsOwnHeadersTimeout_StalledUpstream_504WithinThatLimit()
    {
        await using var stalling = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Providers:stalling:BaseUrl"] = stalling.BaseUrl.AbsoluteUri,
            ["Providers:stalling:HeadersTimeout"] = "00:00:01",
        });
        var token = await h.SignInAsync("stall-504@example.com");
        stalling.Enqueue(LlmReply.Text("too late") with { DelayBeforeHeaders = TimeSpan.FromSeconds(150) });
        var body = new JsonObject
        {
            ["model"] = "stalling/fake-model",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        };
        var started = TimeProvider.System.GetTimestamp();

        using var response = await h.PostAsync(token, body);

        var error = await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Contains("no response within 1 s", (string?)error["message"], StringComparison.Ordinal);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
        Assert.Equal(1, stalling.RequestCount);
    }

    [Fact]
    public async Task MoreRunsThanTheUsersLimit_429WithRetryAfter()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["Completions:MaxConcurrentRunsPerUser"] = "1" });
        var token = await h.SignInAsync("runs-limit@example.com");
        h.Llm.Responder = r => r.Messages[^1]?["role"]?.ToString() == "tool"
            ? LlmReply.Text("done")
            : LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":2000}"""));
        var first = h.PostAsync(token, h.Body("one"));
        await h.Downstream.WaitForCallsAsync("slow", 1, TestContext.Current.CancellationToken);

        using var second = await h.PostAsync(token, h.Body("two"));

        var error = await OpenAIApiHarness.AssertErrorAsync(second, HttpStatusCode.TooManyRequests);
        Assert.Equal("too_many_runs", (string?)error["code"]);
        Assert.NotNull(second.Headers.RetryAfter);
        using var done = await first;
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
    }

    [Fact]
    public async Task BackgroundCompletionsPastThePendingLimit_429()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["Tasks:MaxPendingTasksPerUser"] = "1" });
        var token = await h.SignInAsync("background-limit@example.com");
        h.Llm.Responder = _ => LlmReply.Text("slow") with { DelayBeforeHeaders = TimeSpan.FromSeconds(30) };
        var body = h.Body("later");
        body["background"] = true;

        using var accepted = await h.PostAsync(token, body);
        using var refused = await h.PostAsync(token, body);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var error = await OpenAIApiHarness.AssertErrorAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("the limit is 1", (string?)error["message"], StringComparison.Ordinal);
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    private static async Task<(string Body, bool Failed)> ReadRawAsync(OpenAIApiHarness h, string token, JsonObject body)
    {
        using var http = h.Host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (HttpIOException)
        {
            return (text.ToString(), true);
        }
        catch (IOException)
        {
            return (text.ToString(), true);
        }

        return (text.ToString(), false);
    }
}
