using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Transport;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.Completions.Tests.Infrastructure;

/// <summary>
/// A scripted fake LLM and a real MCP server on loopback, and the engine's transport handler in front of the LLM:
/// what an app using the OpenAI SDK with the handler has, minus the real model.
/// </summary>
internal sealed class CompletionsHarness : IAsyncDisposable
{
    private CompletionsHarness(ScriptedLlmServer llm, TestMcpServer mcp, ServiceProvider services)
    {
        Llm = llm;
        Mcp = mcp;
        Services = services;
        Handler = services.GetRequiredService<McpCompletionsHandler>();
        Http = new HttpClient(Handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public ScriptedLlmServer Llm { get; }

    public TestMcpServer Mcp { get; }

    public ServiceProvider Services { get; }

    public McpCompletionsHandler Handler { get; }

    public HttpClient Http { get; }

    public Uri ChatCompletionsUrl => new(Llm.BaseUrl, "chat/completions");

    public static async Task<CompletionsHarness> StartAsync(
        Action<CompletionsOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        TestMcpServerOptions? mcpOptions = null)
    {
        var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        var mcp = await TestMcpServer.StartAsync(mcpOptions, TestContext.Current.CancellationToken);
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddMcpCompletions(o =>
        {
            // The test servers live on loopback, which the SSRF guard refuses by default.
            o.AllowPrivateNetworkServers = true;
            o.UpstreamRetryDelay = TimeSpan.FromMilliseconds(10);
            configure?.Invoke(o);
        });
        services?.Invoke(collection);
        return new CompletionsHarness(llm, mcp, collection.BuildServiceProvider(validateScopes: true));
    }

    public JsonObject McpTool(Uri? serverUrl = null) => new()
    {
        ["type"] = "mcp",
        ["server_url"] = (serverUrl ?? Mcp.Endpoint).AbsoluteUri,
    };

    /// <summary>A request body with one user message and the given tools.</summary>
    public static JsonObject Body(string userMessage, bool stream, params JsonNode[] tools)
    {
        var body = new JsonObject
        {
            ["model"] = "fake-model",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userMessage }),
            ["stream"] = stream,
        };
        if (stream)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        if (tools.Length > 0)
        {
            body["tools"] = new JsonArray(tools);
        }

        return body;
    }

    public Task<HttpResponseMessage> PostAsync(JsonObject body) => PostWithTokenAsync(body, TestContext.Current.CancellationToken);

    /// <summary>Posts as streaming clients do: returns once the headers are in, leaving the body to be read.</summary>
    public async Task<HttpResponseMessage> PostWithTokenAsync(JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ChatCompletionsUrl)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Posts a streaming request and reads every chunk (without the final [DONE]).</summary>
    public async Task<StreamedAnswer> StreamAsync(JsonObject body)
    {
        using var response = await PostAsync(body);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var chunks = new List<JsonObject>();
        var sawDone = false;
        await using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(TestContext.Current.CancellationToken))
        {
            Assert.False(sawDone, "nothing may follow [DONE]");
            if (item.Data == "[DONE]")
            {
                sawDone = true;
                continue;
            }

            chunks.Add(JsonNode.Parse(item.Data)!.AsObject());
        }

        Assert.True(sawDone, "the stream ends with [DONE]");
        return new StreamedAnswer(chunks);
    }

    /// <summary>
    /// Posts a streaming request that is expected to fail after it began: returns the events read (the error event
    /// included) and the exception reading ended with; fails when the stream ends normally or with [DONE].
    /// </summary>
    public async Task<(List<JsonObject> Events, Exception Failure)> StreamUntilFailureAsync(JsonObject body)
    {
        using var response = await PostAsync(body);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var events = new List<JsonObject>();
        await using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        try
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(TestContext.Current.CancellationToken))
            {
                Assert.NotEqual("[DONE]", item.Data);
                events.Add(JsonNode.Parse(item.Data)!.AsObject());
            }
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            return (events, ex);
        }

        Assert.Fail("the stream ended as if the answer were complete");
        return default;
    }

    /// <summary>Posts a non-streaming request and returns the completion.</summary>
    public async Task<JsonObject> CompleteAsync(JsonObject body)
    {
        using var response = await PostAsync(body);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Services.DisposeAsync();
        await Mcp.DisposeAsync();
        await Llm.DisposeAsync();
    }
}
