using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>The server against a scripted LLM and a real downstream MCP server, with signed-in MCP clients for tasks.</summary>
internal sealed class TaskTestHost : IAsyncDisposable
{
    public const string Password = "Agent-Tasks-Run-1";
    public const string SlowTool = "mcp_127-0-0-1_slow";

    /// <summary>
    /// An LLM that first calls <see cref="SlowTool"/> for <paramref name="milliseconds"/> and, once it has the result,
    /// answers with <paramref name="answer"/> of that request.
    /// </summary>
    public static Func<ReceivedLlmRequest, LlmReply> SlowCallThen(int milliseconds, Func<ReceivedLlmRequest, string> answer) =>
        request => request.Messages[^1]?["role"]?.ToString() == "tool"
            ? LlmReply.Text(answer(request))
            : LlmReply.ToolCalls(new LlmToolCall("call_1", SlowTool, $$"""{"milliseconds":{{milliseconds}}}"""));

    /// <summary>An LLM that first calls <see cref="SlowTool"/> for <paramref name="milliseconds"/>, then answers <paramref name="answer"/>.</summary>
    public static Func<ReceivedLlmRequest, LlmReply> SlowCallThen(int milliseconds, string answer) => SlowCallThen(milliseconds, _ => answer);
    public const string EchoTool = "mcp_127-0-0-1_echo";

    private readonly List<McpClient> _clients = [];
    private bool _hostStopped;

    private TaskTestHost(ScriptedLlmServer llm, TestMcpServer downstream, SubAgentHost host, Dictionary<string, string?> settings)
    {
        Llm = llm;
        Downstream = downstream;
        Host = host;
        Settings = settings;
    }

    public ScriptedLlmServer Llm { get; }

    public TestMcpServer Downstream { get; }

    public SubAgentHost Host { get; private set; }

    public Dictionary<string, string?> Settings { get; }

    public static async Task<TaskTestHost> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, TestMcpServerOptions? mcpOptions = null,
        TestDatabase? database = null)
    {
        var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        var downstream = await TestMcpServer.StartAsync(mcpOptions, TestContext.Current.CancellationToken);
        var all = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            ["Completions:DefaultModel"] = "fake-model",
            ["Tasks:PollInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = await SubAgentHost.StartAsync(database ?? TestDatabase.SqliteFile(), all, services);
        return new TaskTestHost(llm, downstream, host, all);
    }

    /// <summary>Another host on the same database (a replica, or the process after a restart).</summary>
    public Task<SubAgentHost> StartReplicaAsync(Action<IServiceCollection>? services = null) =>
        SubAgentHost.StartAsync(Host.Database, Settings, services);

    /// <summary>Creates an account, signs it in through our IdP and connects an MCP client with its access token.</summary>
    public async Task<McpClient> SignInAsync(string email)
    {
        await Host.CreateUserAsync(email, Password);
        using var oauth = new OAuthTestClient(Host);
        var (_, tokens) = await oauth.LogInAsync(email, Password);
        var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = Host.McpUrl,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {(string)tokens["access_token"]!}" },
            }),
            cancellationToken: TestContext.Current.CancellationToken);
        _clients.Add(client);
        return client;
    }

    public static async Task<JsonElement> CallAsync(McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.IsError != true, $"{tool} failed: {Text(result)}");
        Assert.NotNull(result.StructuredContent);
        return result.StructuredContent.Value;
    }

    public static async Task<CallToolResult> CallRawAsync(McpClient client, string tool, Dictionary<string, object?> arguments) =>
        await client.CallToolAsync(tool, arguments, cancellationToken: TestContext.Current.CancellationToken);

    public async Task<JsonElement> StartTaskAsync(McpClient client, string prompt, bool store = true, string[]? servers = null)
    {
        return await CallAsync(client, "start_agent_task", new()
        {
            ["prompt"] = prompt,
            ["mcp_servers"] = servers ?? [Downstream.Endpoint.AbsoluteUri],
            ["store"] = store,
        });
    }

    public static async Task<JsonElement> WaitForStatusAsync(McpClient client, string taskId, string status, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var task = await CallAsync(client, "get_agent_task", new() { ["task_id"] = taskId });
            var current = task.GetProperty("status").GetString();
            if (current == status)
            {
                return task;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"task {taskId} is still {current}, not {status}: {task}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Reads the task's public JSON page at <paramref name="host"/> until it shows <paramref name="status"/> or the time
    /// is up, and returns the last one read (the page is another process's view, so it is polled).
    /// </summary>
    public static async Task<JsonObject> WaitForPageStatusAsync(SubAgentHost host, string taskId, string status, TimeSpan timeout)
    {
        using var http = host.CreateHttpClient();
        var deadline = DateTimeOffset.UtcNow + timeout;
        JsonObject task;
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            task = (await http.GetFromJsonAsync<JsonObject>($"tasks/{taskId}.json", TestContext.Current.CancellationToken))!;
        }
        while ((string?)task["status"] != status && DateTimeOffset.UtcNow < deadline);

        return task;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public static string Text(CallToolResult result) =>
        string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    /// <summary>Disposes the current host only (the LLM and the downstream server stay), e.g. to simulate a crash.</summary>
    public async Task StopHostAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        _clients.Clear();
        if (!_hostStopped)
        {
            _hostStopped = true;
            await Host.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopHostAsync();
        await Downstream.DisposeAsync();
        await Llm.DisposeAsync();
    }
}
