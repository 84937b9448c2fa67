using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.ChatPage;

/// <summary>The chat page's JSON API and its cookie access to <c>/v1</c>: who may call, what each person sees, what is refused.</summary>
public class ChatPageApiTests : IAsyncLifetime
{
    private const string Password = "Chat-Api-Person-1";
    private SubAgentHost _host = null!;
    private ScriptedLlmServer _llm = null!;
    private TestMcpServer _mcp = null!;

    public async ValueTask InitializeAsync()
    {
        _llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        _mcp = await TestMcpServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        _host = await SubAgentHost.StartAsync(await TestDatabase.CreateAsync(Provider), new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = _llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            ["Completions:DefaultModel"] = "fake-model",
            ["Completions:UpstreamMaxRetries"] = "0",
        });
    }

    /// <summary>The database the tests run on (<see cref="ChatPageApiOnPostgreSqlTests"/> runs them all again on PostgreSQL).</summary>
    protected virtual string Provider => TestDatabase.Sqlite;

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await _host.DisposeAsync();
        await _mcp.DisposeAsync();
        await _llm.DisposeAsync();
    }

    [Fact]
    public async Task Settings_SignedIn_NamesTheServersDefaultModel()
    {
        using var ada = await SignInAsync("ada-settings");

        var (status, body, _) = await ada.GetAsync("/api/chat/settings");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("fake-model", (string?)body!["default_model"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ada.SendAsync(HttpMethod.Get, "/api/chat/settings", scripted: false)).Status);
    }

    [Theory]
    [InlineData("/favicon.ico", "image/x-icon")]
    [InlineData("/chat/favicon.svg", "image/svg+xml")]
    public async Task Favicon_SignedOut_IsServed(string path, string contentType)
    {
        using var http = _host.CreateHttpClient();

        using var response = await http.GetAsync(path.TrimStart('/'), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length > 100);
    }

    [Fact]
    public async Task Servers_TwoPeople_EachSeesAndChangesOnlyTheirOwn()
    {
        using var alice = await SignInAsync("alice");
        using var bob = await SignInAsync("bob");

        var (status, added, _) = await alice.PostAsync("/api/chat/servers", new JsonObject { ["url"] = _mcp.Endpoint.AbsoluteUri });
        Assert.Equal(HttpStatusCode.Created, status);
        var id = (string)added!["id"]!;
        Assert.True((bool)added["enabled"]!);

        Assert.Empty((await bob.GetAsync("/api/chat/servers")).Body!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.SendAsync(HttpMethod.Patch, $"/api/chat/servers/{id}", new JsonObject { ["enabled"] = false })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/chat/servers/{id}/status")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.SendAsync(HttpMethod.Delete, $"/api/chat/servers/{id}")).Status);

        // Bob may add the same URL: it is his own entry.
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsync("/api/chat/servers", new JsonObject { ["url"] = _mcp.Endpoint.AbsoluteUri })).Status);

        var (patched, view, _) = await alice.SendAsync(HttpMethod.Patch, $"/api/chat/servers/{id}", new JsonObject { ["enabled"] = false });
        Assert.Equal(HttpStatusCode.OK, patched);
        Assert.False((bool)view!["enabled"]!);
        var list = (await alice.GetAsync("/api/chat/servers")).Body!.AsArray();
        Assert.Equal(id, (string)Assert.Single(list)!["id"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, $"/api/chat/servers/{id}")).Status);
        Assert.Empty((await alice.GetAsync("/api/chat/servers")).Body!.AsArray());
        Assert.Single((await bob.GetAsync("/api/chat/servers")).Body!.AsArray());
    }

    [Theory]
    [InlineData("""{}""", "url")]
    [InlineData("""{"url":""}""", "url")]
    [InlineData("""{"url":"ftp://example.com/mcp"}""", "url")]
    [InlineData("""{"url":"/mcp"}""", "url")]
    [InlineData("""{"url":"https://user:secret@example.com/mcp"}""", "url")]
    [InlineData("""{"url":"https://example.com/mcp#part"}""", "url")]
    [InlineData("""{"url":42}""", "body")]
    [InlineData("""not json""", "body")]
    public async Task AddServer_InvalidInput_ValidationProblem(string body, string field)
    {
        using var alice = await SignInAsync("carol");

        var (status, problem, response) = await alice.SendAsync(HttpMethod.Post, "/api/chat/servers", rawBody: body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(problem!["errors"]![field]);
        Assert.Empty((await alice.GetAsync("/api/chat/servers")).Body!.AsArray());
    }

    [Fact]
    public async Task AddServer_TooLongDuplicateOrNoSwitch_Refused()
    {
        using var alice = await SignInAsync("dave");
        var tooLong = "https://example.com/" + new string('a', 2048);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostAsync("/api/chat/servers", new JsonObject { ["url"] = tooLong })).Status);

        var (created, server, _) = await alice.PostAsync("/api/chat/servers", new JsonObject { ["url"] = "https://example.com/mcp", ["enabled"] = false });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.False((bool)server!["enabled"]!);
        Assert.Equal(HttpStatusCode.Conflict, (await alice.PostAsync("/api/chat/servers", new JsonObject { ["url"] = "https://EXAMPLE.com/mcp" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.SendAsync(HttpMethod.Patch, $"/api/chat/servers/{server["id"]}", new JsonObject())).Status);
    }

    [Fact]
    public async Task ServerStatus_OpenAndDeadServers_ConnectedWithToolsOrUnreachable()
    {
        using var alice = await SignInAsync("erin");
        var open = (await alice.PostAsync("/api/chat/servers", new JsonObject { ["url"] = _mcp.Endpoint.AbsoluteUri })).Body!;
        var dead = (await alice.PostAsync("/api/chat/servers", new JsonObject { ["url"] = "http://127.0.0.1:9/mcp" })).Body!;

        var (status, connected, _) = await alice.GetAsync($"/api/chat/servers/{open["id"]}/status");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("connected", (string?)connected!["status"]);
        Assert.Contains("echo", connected["tools"]!.AsArray().Select(t => (string?)t!["name"]));

        var unreachable = (await alice.GetAsync($"/api/chat/servers/{dead["id"]}/status")).Body!;
        Assert.Equal("unreachable", (string?)unreachable["status"]);
        Assert.False(string.IsNullOrEmpty((string?)unreachable["problem"]));
    }

    [Fact]
    public async Task Conversations_TwoPeople_ListOpenRenameDeleteOnlyTheirOwn()
    {
        using var alice = await SignInAsync("frank");
        using var bob = await SignInAsync("grace");
        var messages = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = "Hello" },
            new JsonObject { ["role"] = "assistant", ["content"] = "Hi <details><summary>🔧 echo</summary></details>" });

        var (created, conversation, _) = await alice.PostAsync("/api/chat/conversations", new JsonObject { ["title"] = "  Greetings  ", ["model"] = "fake-model", ["messages"] = messages });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = (string)conversation!["id"]!;
        Assert.Equal("Greetings", (string?)conversation["title"]);
        Assert.Equal("New chat", (string?)(await alice.PostAsync("/api/chat/conversations", new JsonObject())).Body!["title"]);

        Assert.Empty((await bob.GetAsync("/api/chat/conversations")).Body!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/chat/conversations/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.SendAsync(HttpMethod.Put, $"/api/chat/conversations/{id}", new JsonObject { ["title"] = "Mine now" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.SendAsync(HttpMethod.Delete, $"/api/chat/conversations/{id}")).Status);

        var (renamed, view, _) = await alice.SendAsync(HttpMethod.Put, $"/api/chat/conversations/{id}", new JsonObject { ["title"] = "Renamed" });
        Assert.Equal(HttpStatusCode.OK, renamed);
        Assert.Equal("Renamed", (string?)view!["title"]);
        Assert.True(JsonNode.DeepEquals(messages, view["messages"]), "Renaming kept the messages.");
        var opened = (await alice.GetAsync($"/api/chat/conversations/{id}")).Body!;
        Assert.Equal("fake-model", (string?)opened["model"]);
        Assert.True(JsonNode.DeepEquals(messages, opened["messages"]));

        // The list is newest first: the renamed one was touched last.
        var list = (await alice.GetAsync("/api/chat/conversations")).Body!.AsArray();
        Assert.Equal(2, list.Count);
        Assert.Equal(id, (string?)list[0]!["id"]);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.SendAsync(HttpMethod.Delete, $"/api/chat/conversations/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/chat/conversations/{id}")).Status);
    }

    [Theory]
    [InlineData("""{"title":"%LONG%"}""", "title")]
    [InlineData("""{"messages":[{"role":"tool","content":"x"}]}""", "messages[0]")]
    [InlineData("""{"messages":[{"role":"user"}]}""", "messages[0]")]
    [InlineData("""{"messages":[{"role":"user","content":"ok"},"text"]}""", "messages[1]")]
    [InlineData("""{"messages":{"role":"user"}}""", "body")]
    public async Task CreateConversation_InvalidInput_ValidationProblem(string body, string field)
    {
        using var alice = await SignInAsync("heidi");

        var (status, problem, _) = await alice.SendAsync(HttpMethod.Post, "/api/chat/conversations", rawBody: body.Replace("%LONG%", new string('t', 201), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(problem!["errors"]![field]);
        Assert.Empty((await alice.GetAsync("/api/chat/conversations")).Body!.AsArray());
    }

    [Fact]
    public async Task Api_WithoutSessionHeaderOrFromAnotherSite_Unauthorized()
    {
        using var alice = await SignInAsync("ivan");
        using var anonymous = new HttpClient { BaseAddress = _host.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/chat/servers");
        request.Headers.Add("X-Requested-With", "McpSubAgent");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(request, TestContext.Current.CancellationToken)).StatusCode);

        // The cookie alone is not enough: a cross-site form cannot add the header, and a cross-site script is told apart.
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.SendAsync(HttpMethod.Get, "/api/chat/servers", scripted: false)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.SendAsync(HttpMethod.Get, "/api/chat/servers", fetchSite: "cross-site")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.SendAsync(HttpMethod.Post, "/api/chat/conversations", new JsonObject(), scripted: false)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.SendAsync(HttpMethod.Get, "/v1/models", scripted: false)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.SendAsync(HttpMethod.Post, "/v1/chat/completions", Completion(), fetchSite: "same-site")).Status);
        Assert.Empty(_llm.Requests);

        // A refused bearer token is not rescued by the cookie.
        using var withBadToken = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        withBadToken.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(withBadToken, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task V1_WithSessionCookie_RunsAsThePersonsAccount()
    {
        using var alice = await SignInAsync("judy");
        _llm.Enqueue(LlmReply.Text("Hello from the page."));

        var (models, list, _) = await alice.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, models);
        Assert.Contains("fake-model-2", list!["data"]!.AsArray().Select(m => (string?)m!["id"]));

        var (status, completion, _) = await alice.PostAsync("/v1/chat/completions", Completion());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Hello from the page.", (string?)completion!["choices"]![0]!["message"]!["content"]);

        // The run's user key is the account id: the same as the 'sub' of this person's access tokens.
        await using var scope = _host.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync("judy@chat.example");
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var usage = await db.UsageRecords.AsNoTracking().SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(user!.Id, usage.UserKey);
    }

    [Fact]
    public async Task Page_SignedOutOrIn_RedirectsToLoginOrServesThePageWithItsPolicy()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.BaseUrl };
        using var signedOut = await anonymous.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.StartsWith("/account/login?ReturnUrl=%2F", signedOut.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        using var alice = await SignInAsync("mallory");
        var (status, _, response) = await alice.SendAsync(HttpMethod.Get, "/", scripted: false, fetchSite: null);
        Assert.Equal(HttpStatusCode.OK, status);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<script type=\"module\" src=\"/chat/main.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        using var script = await anonymous.GetAsync("/chat/main.js", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        using var direct = await anonymous.GetAsync("/chat/index.html", TestContext.Current.CancellationToken);
        Assert.Contains("script-src 'self'", direct.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    private static JsonObject Completion() => new()
    {
        ["model"] = "fake-model",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello" }),
    };

    private async Task<ChatSession> SignInAsync(string name)
    {
        var email = $"{name}@chat.example";
        await _host.CreateUserAsync(email, Password);
        return await ChatSession.SignInAsync(_host, email, Password);
    }
}
