using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Accounts;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>The server pointed at a scripted LLM and a real downstream MCP server, with people and apps that get real tokens.</summary>
internal sealed partial class OpenAIApiHarness : IAsyncDisposable
{
    public const string Password = "OpenAI-Api-Caller-1";
    public const string EchoTool = "mcp_127-0-0-1_echo";
    public const string UpstreamKey = "sk-upstream-test";

    private OpenAIApiHarness(SubAgentHost host, ScriptedLlmServer llm, TestMcpServer downstream)
    {
        Host = host;
        Llm = llm;
        Downstream = downstream;
    }

    public SubAgentHost Host { get; }

    public ScriptedLlmServer Llm { get; }

    public TestMcpServer Downstream { get; }

    public Uri V1 => new(Host.BaseUrl, "v1");

    public static async Task<OpenAIApiHarness> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, TestDatabase? database = null)
    {
        var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        var downstream = await TestMcpServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var all = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = UpstreamKey,
            ["Completions:DefaultModel"] = "fake-model",
            ["Completions:UpstreamMaxRetries"] = "0",
            ["Tasks:PollInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = await SubAgentHost.StartAsync(database ?? TestDatabase.SqliteFile(), all, services);
        return new OpenAIApiHarness(host, llm, downstream);
    }

    /// <summary>Creates an account and signs it in through our IdP, as a person's app would; returns the access token.</summary>
    public async Task<string> SignInAsync(string email)
    {
        await Host.CreateUserAsync(email, Password);
        using var oauth = new OAuthTestClient(Host);
        var (_, tokens) = await oauth.LogInAsync(email, Password);
        return (string)tokens["access_token"]!;
    }

    /// <summary>Adds an app with the <c>clients add</c> command and returns the credentials it printed.</summary>
    public Task<(string ClientId, string Secret)> AddAppAsync(string name) => AppClients.AddAsync(Host, name);

    /// <summary>An app's access token from the client credentials grant.</summary>
    public Task<string> AppTokenAsync(string clientId, string secret) => AppClients.TokenAsync(Host, clientId, secret);

    /// <summary>The official OpenAI SDK pointed at our <c>/v1</c>, with the token as its API key.</summary>
    public ChatClient Chat(string token, string model = "fake-model") => new(model, new ApiKeyCredential(token), SdkOptions());

    public OpenAIClientOptions SdkOptions() => new() { Endpoint = V1, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };

    public string FrontMatter(string system = "You are helpful.") => $"---\nmcp: {Downstream.Endpoint}\n---\n{system}";

    /// <summary>A chat-completions body with the downstream server as an MCP tool.</summary>
    public JsonObject Body(string prompt, bool stream = false) => new()
    {
        ["model"] = "fake-model",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        ["tools"] = new JsonArray(new JsonObject { ["type"] = "mcp", ["server_url"] = Downstream.Endpoint.AbsoluteUri }),
        ["stream"] = stream,
    };

    public async Task<HttpResponseMessage> PostAsync(string? token, JsonObject body, string path = "v1/chat/completions")
    {
        using var http = Host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<HttpResponseMessage> GetAsync(string? token, string path)
    {
        using var http = Host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;

    /// <summary>Asserts an error in OpenAI's shape with this status, and returns its <c>error</c> object.</summary>
    public static async Task<JsonObject> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = Assert.IsType<JsonObject>(JsonNode.Parse(text)!["error"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]), text);
        Assert.NotNull((string?)error["type"]);
        return error;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Downstream.DisposeAsync();
        await Llm.DisposeAsync();
    }
}
