using System.Net;
using System.Text.Json;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.IdentityProvider.Broker;
using McpSubAgent.IdentityProvider.Broker.Storage;
using McpSubAgent.IdentityProvider.Broker.Tokens;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.Testing.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.EndToEnd.Tests.Broker;

/// <summary>
/// Two instances of our own server: the downstream one is an MCP server protected by its own authorization server
/// (MCP over MCP), and the main one runs agents that call the downstream's <c>list_agent_tasks</c> through the login
/// broker. The LLM is scripted: whenever the downstream's tools are offered and not yet called, it calls one.
/// </summary>
internal sealed class BrokerHarness : IAsyncDisposable
{
    public const string Password = "Broker-Login-Pass-1";
    public const string DownstreamTool = "list_agent_tasks";

    private readonly List<McpClient> _clients = [];

    private BrokerHarness(SubAgentHost main, SubAgentHost downstream, ScriptedLlmServer llm)
    {
        Main = main;
        Downstream = downstream;
        Llm = llm;
    }

    public SubAgentHost Main { get; }

    public SubAgentHost Downstream { get; }

    public ScriptedLlmServer Llm { get; }

    /// <param name="mainSettings">Settings of the main server.</param>
    /// <param name="downstreamSettings">Settings of the downstream server.</param>
    /// <param name="mainSettingsFor">More settings of the main server that depend on the running downstream.</param>
    /// <param name="mainDatabase">The main server's database (a SQLite file of its own when none is given).</param>
    /// <param name="mainServices">Replaces services of the main server (a clock, for example).</param>
    /// <param name="downstreamServices">Adds or replaces services of the downstream server (more endpoints, for example).</param>
    public static async Task<BrokerHarness> StartAsync(
        IReadOnlyDictionary<string, string?>? mainSettings = null,
        IReadOnlyDictionary<string, string?>? downstreamSettings = null,
        Func<SubAgentHost, Task<Dictionary<string, string?>>>? mainSettingsFor = null,
        TestDatabase? mainDatabase = null,
        Action<IServiceCollection>? mainServices = null,
        Action<IServiceCollection>? downstreamServices = null)
    {
        var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        llm.Responder = CallTheDownstreamToolOnce;
        var downstream = await SubAgentHost.StartAsync(settings: Merge(new()
        {
            // Our broker's client id is its metadata document on loopback http.
            ["IdentityProvider:Registration:AllowLoopbackMetadataDocuments"] = "true",
        }, downstreamSettings), services: downstreamServices);
        var settings = Merge(new()
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            ["Completions:DefaultModel"] = "fake-model",
        }, mainSettings);
        var main = await SubAgentHost.StartAsync(
            mainDatabase ?? TestDatabase.SqliteFile(), Merge(settings, mainSettingsFor is null ? null : await mainSettingsFor(downstream)), mainServices);
        return new BrokerHarness(main, downstream, llm);
    }

    /// <summary>A person with an account at both servers, signed in to the main one with an MCP client.</summary>
    public async Task<BrokerUser> AddUserAsync(string name)
    {
        var mainEmail = $"{name}@main.example";
        var downstreamEmail = $"{name}@downstream.example";
        await Main.CreateUserAsync(mainEmail, Password);
        await Downstream.CreateUserAsync(downstreamEmail, Password);
        using var oauth = new OAuthTestClient(Main);
        var (_, tokens) = await oauth.LogInAsync(mainEmail, Password);
        var accessToken = (string)tokens["access_token"]!;
        var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = Main.McpUrl,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {accessToken}" },
            }),
            cancellationToken: TestContext.Current.CancellationToken);
        _clients.Add(client);
        var subject = JwtPayload(accessToken).GetProperty("sub").GetString()!;
        return new BrokerUser(mainEmail, downstreamEmail, subject, client);
    }

    /// <summary>Runs <c>run_agent</c> for the user with the downstream server and returns its structured result.</summary>
    public async Task<JsonElement> RunAgentAsync(BrokerUser user, string? profile = null, Uri? server = null)
    {
        var arguments = new Dictionary<string, object?>
        {
            ["prompt"] = "List my tasks on the other server.",
            ["mcp_servers"] = new[] { (server ?? Downstream.McpUrl).AbsoluteUri },
        };
        if (profile is not null)
        {
            arguments["profile"] = profile;
        }

        var result = await user.Client.CallToolAsync("run_agent", arguments, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEqual(true, result.IsError);
        return result.StructuredContent!.Value;
    }

    /// <summary>
    /// What the person does with a login link: signs in here (a link of an account is completed only by that account),
    /// opens it, signs in at the downstream, consents, and lands on our callback in the same browser.
    /// </summary>
    public async Task<(HttpStatusCode Status, string Page)> LogInThroughLinkAsync(Uri link, BrokerUser user, Uri? at = null)
    {
        using var browser = new Browser(Downstream.BaseUrl);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostLoginAsync(user.MainEmail, Password, at: at ?? Main.BaseUrl)).Status);
        var callback = await browser.AuthorizeAsync(link, user.DownstreamEmail, Password);
        Assert.Equal((at ?? Main.BaseUrl).GetLeftPart(UriPartial.Authority), callback.GetLeftPart(UriPartial.Authority));
        Assert.Equal("/connections/callback", callback.AbsolutePath);
        return await browser.GetPageAsync(callback);
    }

    public static async Task<(HttpStatusCode Status, string Page)> GetPageAsync(Uri url)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>The stored connection of a user (its tokens decrypted with the application's keys), or null.</summary>
    public async Task<(DownstreamConnection Row, DownstreamTokens? Tokens)?> ConnectionAsync(BrokerUser user, string? profile = null)
    {
        await using var scope = Main.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var key = ConnectionKey.For(user.Subject, profile, Downstream.McpUrl);
        var row = await db.DownstreamConnections.AsNoTracking().FirstOrDefaultAsync(c => c.Key == key, TestContext.Current.CancellationToken);
        if (row is null)
        {
            return null;
        }

        var protector = scope.ServiceProvider.GetRequiredService<TokenProtector>();
        var tokens = row.ProtectedTokens is null ? null : protector.Unprotect(row.ProtectedTokens, DownstreamTokens.TypeInfo);
        return (row, tokens);
    }

    public static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static JsonElement JwtPayload(string jwt) =>
        JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(jwt.Split('.')[1])).RootElement;

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Main.DisposeAsync();
        await Downstream.DisposeAsync();
        await Llm.DisposeAsync();
    }

    /// <summary>Calls the first offered tool named <see cref="DownstreamTool"/> (or the TypeScript server's <c>greet</c>) once.</summary>
    private static LlmReply CallTheDownstreamToolOnce(ReceivedLlmRequest request)
    {
        var tool = request.ToolNames.FirstOrDefault(n => n.EndsWith(DownstreamTool, StringComparison.Ordinal) || n.EndsWith("_greet", StringComparison.Ordinal));
        var called = request.Messages.Any(m => (string?)m?["role"] == "tool");
        return tool is not null && !called
            ? LlmReply.ToolCalls(new LlmToolCall("call_1", tool, tool.EndsWith("_greet", StringComparison.Ordinal) ? """{"name":"Alice"}""" : """{"limit":5}"""))
            : LlmReply.Text(called ? "Listed your tasks." : "No tools were offered.");
    }

    private static Dictionary<string, string?> Merge(Dictionary<string, string?> defaults, IReadOnlyDictionary<string, string?>? overrides)
    {
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            defaults[key] = value;
        }

        return defaults;
    }
}

/// <summary>A person of the broker tests: their accounts at both servers and their MCP client at the main one.</summary>
internal sealed record BrokerUser(string MainEmail, string DownstreamEmail, string Subject, McpClient Client);
