using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>Every error of /v1 in OpenAI's shape <c>{error:{message,type,param,code}}</c> with its status.</summary>
public sealed class ErrorStatusTests
{
    [Fact]
    public async Task BadRequests_Get400WithTheField()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("errors-400@example.com");

        using var noMessages = await h.PostAsync(token, new JsonObject { ["model"] = "fake-model" });
        Assert.Equal("messages", (string?)(await OpenAIApiHarness.AssertErrorAsync(noMessages, HttpStatusCode.BadRequest))["param"]);

        var badTool = h.Body("x");
        badTool["tools"]![0]!["require_approval"] = "sometimes";
        using var approval = await h.PostAsync(token, badTool);
        Assert.Equal("tools[0].require_approval", (string?)(await OpenAIApiHarness.AssertErrorAsync(approval, HttpStatusCode.BadRequest))["param"]);

        var badBackground = h.Body("x");
        badBackground["background"] = "yes";
        using var background = await h.PostAsync(token, badBackground);
        Assert.Equal("background", (string?)(await OpenAIApiHarness.AssertErrorAsync(background, HttpStatusCode.BadRequest))["param"]);

        var badToolCalls = h.Body("x");
        badToolCalls["messages"]!.AsArray().Add(new JsonObject { ["role"] = "assistant", ["tool_calls"] = new JsonObject { ["id"] = "c" } });
        using var toolCalls = await h.PostAsync(token, badToolCalls);
        var toolCallsError = await OpenAIApiHarness.AssertErrorAsync(toolCalls, HttpStatusCode.BadRequest);
        Assert.Equal("messages[1].tool_calls", (string?)toolCallsError["param"]);
        Assert.Equal("'messages[1].tool_calls' must be an array, not an object.", (string?)toolCallsError["message"]);

        using var http = h.Host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", token);
        using var malformed = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Contains("not valid JSON", (string?)(await OpenAIApiHarness.AssertErrorAsync(malformed, HttpStatusCode.BadRequest))["message"], StringComparison.Ordinal);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task MissingOrBadToken_Gets401WithAChallenge()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("errors-401@example.com");

        foreach (var bad in new[] { null, "garbage", token[..^4] + "AAAA" })
        {
            using var response = await h.PostAsync(bad, h.Body("x"));
            Assert.Equal("invalid_api_key", (string?)(await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.Unauthorized))["code"]);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var models = await h.GetAsync(null, "v1/models");
        await OpenAIApiHarness.AssertErrorAsync(models, HttpStatusCode.Unauthorized);
        using var usage = await h.GetAsync("garbage", "v1/usage");
        await OpenAIApiHarness.AssertErrorAsync(usage, HttpStatusCode.Unauthorized);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task TokenWithoutTheMcpScope_Gets403()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        await h.Host.CreateUserAsync("errors-403@example.com", OpenAIApiHarness.Password);
        using var oauth = new Infrastructure.OAuthTestClient(h.Host);
        var (_, tokens) = await oauth.LogInAsync("errors-403@example.com", OpenAIApiHarness.Password, scope: "openid profile");

        using var response = await h.PostAsync((string)tokens["access_token"]!, h.Body("x"));

        Assert.Equal("insufficient_scope", (string?)(await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.Forbidden))["code"]);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task UnknownModel_Gets404_AndTheModelsPageNamesIt()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("errors-404@example.com");
        var body = h.Body("x");
        body["model"] = "no-such-model";

        using var response = await h.PostAsync(token, body);
        var error = await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("model_not_found", (string?)error["code"]);
        Assert.Equal("model", (string?)error["param"]);
        using var one = await h.GetAsync(token, "v1/models/no-such-model");
        await OpenAIApiHarness.AssertErrorAsync(one, HttpStatusCode.NotFound);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task BodyOverTheLimit_Gets413()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["OpenAIApi:MaxRequestBodyBytes"] = "2048" });
        var token = await h.SignInAsync("errors-413@example.com");

        using var response = await h.PostAsync(token, h.Body(new string('x', 4000)));
        Assert.Equal("request_too_large", (string?)(await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge))["code"]);

        // Without a Content-Length (chunked), the limit holds as the body is read.
        using var http = h.Host.CreateHttpClient();
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(h.Body(new string('y', 4000)).ToJsonString()))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Headers.Authorization = new("Bearer", token);
        using var streamed = await http.SendAsync(chunked, TestContext.Current.CancellationToken);
        await OpenAIApiHarness.AssertErrorAsync(streamed, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task TooManyRequestsInTheWindow_Gets429WithRetryAfter_PerCaller()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["OpenAIApi:RequestsPerWindow"] = "2", ["OpenAIApi:RateLimitWindow"] = "00:10:00" });
        var token = await h.SignInAsync("errors-429@example.com");
        var other = await h.SignInAsync("errors-429-other@example.com");
        h.Llm.Responder = _ => LlmReply.Text("ok");
        var body = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) };

        for (var i = 0; i < 2; i++)
        {
            using var allowed = await h.PostAsync(token, body);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var limited = await h.PostAsync(token, body);
        Assert.Equal("rate_limit_exceeded", (string?)(await OpenAIApiHarness.AssertErrorAsync(limited, HttpStatusCode.TooManyRequests))["code"]);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        // Another person has their own window.
        using var someoneElse = await h.PostAsync(other, body);
        Assert.Equal(HttpStatusCode.OK, someoneElse.StatusCode);
        Assert.Equal(3, h.Llm.RequestCount);
    }

    [Fact]
    public async Task TooManyRunsAtOnce_Gets429_AndTheSlotFreesWhenTheStreamEnds()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["OpenAIApi:ConcurrentRuns"] = "1" });
        var token = await h.SignInAsync("errors-concurrent@example.com");
        h.Llm.Enqueue(new TextReply("slow answer") { DelayBetweenChunks = TimeSpan.FromMilliseconds(400) });
        var body = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }), ["stream"] = true };

        using var http = h.Host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", token);
        using var running = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, running.StatusCode);

        using var refused = await h.PostAsync(token, body);
        Assert.Contains("at once", (string?)(await OpenAIApiHarness.AssertErrorAsync(refused, HttpStatusCode.TooManyRequests))["message"], StringComparison.Ordinal);

        var stream = await running.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("data: [DONE]", stream, StringComparison.Ordinal);
        h.Llm.Enqueue(LlmReply.Text("next"));
        using var after = await h.PostAsync(token, body);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Theory]
    [InlineData(500, HttpStatusCode.BadGateway)]
    [InlineData(503, HttpStatusCode.BadGateway)]
    [InlineData(401, HttpStatusCode.BadGateway)]
    [InlineData(504, HttpStatusCode.GatewayTimeout)]
    public async Task UpstreamFailure_Gets502Or504(int upstreamStatus, HttpStatusCode expected)
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync($"errors-{upstreamStatus}@example.com");
        h.Llm.Enqueue(LlmReply.Error(upstreamStatus, "the upstream broke"));

        // A plain answer waits for the upstream, so its failure is the status; a stream has begun by then (see LiveStreamTests).
        using var response = await h.PostAsync(token, h.Body("x", stream: false));

        var error = await OpenAIApiHarness.AssertErrorAsync(response, expected);
        Assert.Equal(1, h.Llm.RequestCount);
        if (upstreamStatus == 401)
        {
            // The caller's token is fine: it is the server's key that the upstream refused.
            Assert.Contains("refused this server's credentials", (string?)error["message"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UpstreamUnreachable_Gets502()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1" });
        var token = await h.SignInAsync("errors-unreachable@example.com");

        using var response = await h.PostAsync(token, new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) });

        Assert.Equal("upstream_error", (string?)(await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.BadGateway))["code"]);
    }
}
