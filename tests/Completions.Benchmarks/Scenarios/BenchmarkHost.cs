using System.Text.Json.Nodes;
using McpSubAgent.Completions.Benchmarks.Fakes;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Transport;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.Completions.Benchmarks.Scenarios;

/// <summary>
/// A fake LLM with zero latency (see <see cref="LlmMode"/>) and the test MCP server on loopback Kestrel, the engine's
/// handler in one HttpClient, a plain HttpClient for the direct baseline, and the engine with a plain upstream for
/// running it without the handler. One host per scenario.
/// </summary>
internal sealed class BenchmarkHost : IAsyncDisposable
{
    /// <summary>The function name the engine gives the test server's <c>echo</c> tool.</summary>
    public const string EchoFunction = "mcp_127-0-0-1_echo";

    /// <summary>The user message that makes the fake LLM call echo once.</summary>
    public const string UseEchoPrompt = "Please use echo.";

    /// <summary>The fake LLM's plain answer: 32 characters, streamed as 8 content chunks.</summary>
    public const string PlainAnswer = "Hello! How can I help you today?";

    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    private readonly List<IDisposable> _clients = [];
    private ReplayLlmServer? _replay;
    private InMemoryLlm? _inMemory;

    private BenchmarkHost(LlmMode mode, ScriptedLlmServer scripted, TestMcpServer mcp, ServiceProvider services)
    {
        Mode = mode;
        Scripted = scripted;
        Mcp = mcp;
        Services = services;
        Engine = services.GetRequiredService<McpCompletionsEngine>();
    }

    public LlmMode Mode { get; }

    /// <summary>The scripted fake LLM: the one the clients use in <see cref="LlmMode.Scripted"/>, else only the source of the recorded answers.</summary>
    public ScriptedLlmServer Scripted { get; }

    public TestMcpServer Mcp { get; }

    public ServiceProvider Services { get; }

    /// <summary>The engine the handler runs, for running it without the handler.</summary>
    public McpCompletionsEngine Engine { get; }

    /// <summary>The handler under test (from DI; in memory mode its inner handler is the in-memory LLM).</summary>
    public McpCompletionsHandler Handler { get; private set; } = null!;

    /// <summary>An HttpClient whose handler is the engine: what an app using the OpenAI SDK with it has.</summary>
    public HttpClient ThroughHandler { get; private set; } = null!;

    /// <summary>A plain HttpClient to the fake LLM, with the same kind of primary handler as the engine's handler.</summary>
    public HttpClient Direct { get; private set; } = null!;

    /// <summary>A plain upstream to the same LLM for <see cref="Engine"/> without the handler, on its own HttpClient.</summary>
    public HttpChatCompletionsUpstream EngineUpstream { get; private set; } = null!;

    /// <summary>The LLM's OpenAI base URL, "http://127.0.0.1:{port}/v1/".</summary>
    public Uri LlmBaseUrl { get; private set; } = null!;

    public Uri ChatCompletionsUrl => new(LlmBaseUrl, "chat/completions");

    public int LlmPort => LlmBaseUrl.Port;

    public int McpPort => Mcp.Endpoint.Port;

    /// <summary>How many chat-completion requests the LLM has received.</summary>
    public int UpstreamRequestCount => _replay?.RequestCount ?? _inMemory?.RequestCount ?? Scripted.RequestCount;

    public static async Task<BenchmarkHost> StartAsync(LlmMode mode, CancellationToken cancellationToken)
    {
        var scripted = await ScriptedLlmServer.StartAsync(cancellationToken);
        var mcp = await TestMcpServer.StartAsync(cancellationToken: cancellationToken);
        scripted.Responder = Respond;
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddMcpCompletions(o =>
        {
            // The test servers live on loopback, which the SSRF guard refuses by default.
            o.AllowPrivateNetworkServers = true;
        });
        var host = new BenchmarkHost(mode, scripted, mcp, collection.BuildServiceProvider(validateScopes: true));
        await host.ConnectAsync(cancellationToken);
        return host;
    }

    /// <summary>The bodies of the LLM requests from number <paramref name="first"/> (0-based) on.</summary>
    public IReadOnlyList<JsonObject> UpstreamRequestsFrom(int first) =>
        _replay?.RequestsFrom(first) ?? _inMemory?.RequestsFrom(first) ?? [.. Scripted.Requests.Skip(first).Select(r => r.Body)];

    /// <summary>The <c>{"type":"mcp"}</c> tool that names the test server.</summary>
    public JsonObject McpTool() => new()
    {
        ["type"] = "mcp",
        ["server_url"] = Mcp.Endpoint.AbsoluteUri,
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _inMemory?.Dispose();
        await Services.DisposeAsync();
        if (_replay is not null)
        {
            await _replay.DisposeAsync();
        }

        await Mcp.DisposeAsync();
        await Scripted.DisposeAsync();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        Handler = Services.GetRequiredService<McpCompletionsHandler>();
        switch (Mode)
        {
            case LlmMode.Scripted:
                LlmBaseUrl = Scripted.BaseUrl;
                Direct = Client(new SocketsHttpHandler());
                EngineUpstream = new HttpChatCompletionsUpstream(Client(new SocketsHttpHandler()), LlmBaseUrl, apiKey: null);
                break;
            case LlmMode.Loopback:
                _replay = await ReplayLlmServer.StartAsync(await RecordedAnswers.RecordAsync(Scripted, cancellationToken), cancellationToken);
                LlmBaseUrl = _replay.BaseUrl;
                Direct = Client(new SocketsHttpHandler());
                EngineUpstream = new HttpChatCompletionsUpstream(Client(new SocketsHttpHandler()), LlmBaseUrl, apiKey: null);
                break;
            case LlmMode.Memory:
                _inMemory = new InMemoryLlm(await RecordedAnswers.RecordAsync(Scripted, cancellationToken));
                LlmBaseUrl = Scripted.BaseUrl;
                Direct = Client(_inMemory, disposeHandler: false);
                EngineUpstream = new HttpChatCompletionsUpstream(Client(_inMemory, disposeHandler: false), LlmBaseUrl, apiKey: null);

                // A handler fresh from DI has not sent anything yet, so its inner handler can still be replaced.
                Handler.InnerHandler = _inMemory;
                ThroughHandler = Client(Handler, disposeHandler: false);
                return;
        }

        ThroughHandler = Client(Handler);
    }

    private HttpClient Client(HttpMessageHandler handler, bool disposeHandler = true)
    {
        var client = new HttpClient(handler, disposeHandler) { Timeout = ClientTimeout };
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// The fake model: answers a tool result with text, calls echo once when asked to, and otherwise answers
    /// <see cref="PlainAnswer"/>.
    /// </summary>
    private static LlmReply Respond(ReceivedLlmRequest request)
    {
        var messages = request.Messages;
        var last = messages.Count > 0 ? messages[messages.Count - 1] : null;
        if ((string?)last?["role"] == "tool")
        {
            return LlmReply.Text($"The tool said {(string?)last!["content"]}.");
        }

        return (string?)messages[0]?["content"] == UseEchoPrompt
            ? LlmReply.ToolCalls(new LlmToolCall("call_1", EchoFunction, """{"text":"x"}"""))
            : LlmReply.Text(PlainAnswer);
    }
}
