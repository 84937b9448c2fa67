using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.IdentityProvider.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Broker;

/// <summary>The broker's other promises: waiting for a login, the login webhook, the connections page, other servers.</summary>
public sealed class BrokerFeatureTests
{
    [Fact]
    public async Task WaitForLogin_TheRunStreamsTheLink_WaitsForTheLogin_ThenCallsTheTool()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        var engine = h.Main.Services.GetRequiredService<McpCompletionsEngine>();
        var request = ChatCompletionRequestParser.Parse(new JsonObject
        {
            ["model"] = "fake-model",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "List my tasks." }),
            ["tools"] = new JsonArray(new JsonObject { ["type"] = "mcp", ["server_url"] = h.Downstream.McpUrl.AbsoluteUri }),
            ["mcp_wait_for_login"] = 120,
        });
        using var http = new HttpClient();
        var upstream = new HttpChatCompletionsUpstream(http, h.Llm.BaseUrl, "sk-upstream-test");
        var pending = new TaskCompletionSource<LoginPending>(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = new List<CompletionEvent>();

        var run = Task.Run(async () =>
        {
            await foreach (var e in engine.RunAsync(request.Run, new CompletionRunContext(alice.Subject), upstream, TestContext.Current.CancellationToken))
            {
                events.Add(e);
                if (e is LoginPending p)
                {
                    pending.SetResult(p);
                }
            }
        }, TestContext.Current.CancellationToken);

        var waiting = await pending.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.False(run.IsCompleted);
        Assert.Equal(0, h.Llm.RequestCount);
        await h.LogInThroughLinkAsync(Assert.Single(waiting.Links).Url, alice);
        await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        var text = string.Concat(events.OfType<ContentDelta>().Select(d => d.Text));
        Assert.Contains("Waiting up to 2 minutes", text, StringComparison.Ordinal);
        Assert.Contains("Listed your tasks.", text, StringComparison.Ordinal);
        Assert.Single(events.OfType<ToolCallCompleted>(), c => c.Status == ToolCallStatus.Succeeded);
        Assert.DoesNotContain(events, e => e is LoginRequired);
        Assert.Equal(Completions.Usage.RunOutcome.Completed, Assert.Single(events.OfType<CompletionFinished>()).Outcome);
    }

    [Fact]
    public async Task LoginWebhook_IsPostedSignedWithTheUserServerAndLink()
    {
        var received = Channel.CreateUnbounded<(string Body, string? Timestamp, string? Signature)>();
        var receiver = WebApplication.CreateSlimBuilder();
        receiver.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = receiver.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            await received.Writer.WriteAsync((await reader.ReadToEndAsync(), request.Headers[WebhookSignature.TimestampHeader], request.Headers[WebhookSignature.SignatureHeader]));
            return Results.NoContent();
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var hook = new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "hook");
        await using var h = await BrokerHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Broker:LoginWebhook:Url"] = hook.AbsoluteUri,
            ["Broker:LoginWebhook:Secret"] = "webhook-secret-for-tests",
        });
        var alice = await h.AddUserAsync("alice");

        var result = await h.RunAgentAsync(alice);
        var link = Assert.Single(result.GetProperty("login_links").EnumerateArray()).GetProperty("url").GetString();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var (body, timestamp, signature) = await received.Reader.ReadAsync(timeout.Token);
        var payload = JsonDocument.Parse(body).RootElement;
        Assert.Equal(alice.Subject, payload.GetProperty("user").GetString());
        Assert.Equal(h.Downstream.McpUrl.AbsoluteUri, payload.GetProperty("server_url").GetString());
        Assert.Equal(link, payload.GetProperty("login_url").GetString());
        Assert.Contains(link!, payload.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.NotNull(timestamp);
        Assert.Equal(WebhookSignature.Sign("webhook-secret-for-tests", timestamp, System.Text.Encoding.UTF8.GetBytes(body)), signature);
        Assert.NotEqual(WebhookSignature.Sign("another-secret", timestamp, System.Text.Encoding.UTF8.GetBytes(body)), signature);
    }

    [Fact]
    public async Task ConnectionsPage_ShowsTheServerItsToolsAndStatus_AndRevokeEndsTheTokensHereAndThere()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        await h.LogInThroughLinkAsync(new Uri(Assert.Single((await h.RunAgentAsync(alice)).GetProperty("login_links").EnumerateArray()).GetProperty("url").GetString()!), alice);
        Assert.Equal("completed", (await h.RunAgentAsync(alice)).GetProperty("status").GetString());
        var tokens = (await h.ConnectionAsync(alice))!.Value.Tokens!;
        using var browser = new Browser(h.Main.BaseUrl);
        var connections = new Uri(h.Main.BaseUrl, "connections");

        // Signed out, the page asks for a sign-in first.
        var (signedOut, _) = await browser.GetPageAsync(connections);
        Assert.Equal(HttpStatusCode.Redirect, signedOut);

        await browser.TryLoginAsync(alice.MainEmail, BrokerHarness.Password);
        var (status, page) = await browser.GetPageAsync(connections);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"data-server-url=\"{h.Downstream.McpUrl.AbsoluteUri}\" data-status=\"connected\"", page, StringComparison.Ordinal);
        Assert.Contains("run_agent", page, StringComparison.Ordinal);
        Assert.Contains("list_agent_tasks", page, StringComparison.Ordinal);
        Assert.Contains("Last used: 20", page, StringComparison.Ordinal);

        // Another person sees none of it, and cannot revoke it.
        var bob = await h.AddUserAsync("bob");
        using (var bobsBrowser = new Browser(h.Main.BaseUrl))
        {
            await bobsBrowser.TryLoginAsync(bob.MainEmail, BrokerHarness.Password);
            var (_, bobsPage) = await bobsBrowser.GetPageAsync(connections);
            Assert.Contains("No connections yet", bobsPage, StringComparison.Ordinal);
            await h.LogInThroughLinkAsync(new Uri(Assert.Single((await h.RunAgentAsync(bob)).GetProperty("login_links").EnumerateArray()).GetProperty("url").GetString()!), bob);
            (_, bobsPage) = await bobsBrowser.GetPageAsync(connections);
            Assert.Contains((await h.ConnectionAsync(bob))!.Value.Row.Id, bobsPage, StringComparison.Ordinal);
            Assert.DoesNotContain((await h.ConnectionAsync(alice))!.Value.Row.Id, bobsPage, StringComparison.Ordinal);
            var (foreign, _) = await bobsBrowser.SubmitAsync(new Uri(h.Main.BaseUrl, "connections?handler=Revoke"),
                new() { ["id"] = (await h.ConnectionAsync(alice))!.Value.Row.Id });
            Assert.Equal(HttpStatusCode.NotFound, foreign);
            Assert.NotNull(await h.ConnectionAsync(alice));
        }

        var (revoked, after) = await browser.SubmitAsync(new Uri(h.Main.BaseUrl, "connections?handler=Revoke"), []);
        Assert.Equal(HttpStatusCode.OK, revoked);
        Assert.Contains("The connection was revoked.", after, StringComparison.Ordinal);
        Assert.Null(await h.ConnectionAsync(alice));

        // Revoked at the downstream too: its /mcp refuses the old token.
        using var downstream = new OAuthTestClient(h.Downstream);
        using var refused = await downstream.CallMcpAsync(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("auth_required", (await h.RunAgentAsync(alice)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task Replicas_ALinkMadeByOneIsCompletedAtAnother_AndTheFirstThenUsesTheTokens(string provider)
    {
        await using var h = await BrokerHarness.StartAsync(mainDatabase: await TestDatabase.CreateAsync(provider));
        var alice = await h.AddUserAsync("alice");
        await using var replica = await SubAgentHost.StartAsync(h.Main.Database);
        var link = new Uri(Assert.Single((await h.RunAgentAsync(alice)).GetProperty("login_links").EnumerateArray()).GetProperty("url").GetString()!);

        // Behind a load balancer the person's requests may reach any replica: the flow's state is in the shared database.
        var (status, page) = await h.LogInThroughLinkAsync(new Uri(replica.BaseUrl, link.PathAndQuery), alice, at: replica.BaseUrl);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("is connected", page, StringComparison.Ordinal);

        // The tokens the replica stored (encrypted with the shared Data Protection keys) serve the first one's runs.
        Assert.Equal("completed", (await h.RunAgentAsync(alice)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ConfiguredServerCredential_IsSentInsteadOfALogin()
    {
        await using var h = await BrokerHarness.StartAsync(mainSettingsFor: async downstream =>
        {
            // An operator's own token for the downstream, configured as in docs/configuration.md.
            await downstream.CreateUserAsync("operator@downstream.example", BrokerHarness.Password);
            using var oauth = new OAuthTestClient(downstream);
            var (_, tokens) = await oauth.LogInAsync("operator@downstream.example", BrokerHarness.Password);
            return new()
            {
                ["Completions:ServerCredentials:0:ServerUrl"] = downstream.McpUrl.AbsoluteUri,
                ["Completions:ServerCredentials:0:Authorization"] = $"Bearer {(string)tokens["access_token"]!}",
            };
        });
        var alice = await h.AddUserAsync("alice");

        var result = await h.RunAgentAsync(alice);

        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal("succeeded", Assert.Single(result.GetProperty("tool_calls").EnumerateArray()).GetProperty("status").GetString());
        Assert.Null(await h.ConnectionAsync(alice));
    }

    [Fact]
    public async Task TypeScriptSdkExampleServer_DynamicRegistration_LoginAndToolCall()
    {
        await using var ts = await TypeScriptOAuthMcpServer.StartAsync(strictResource: true, TestContext.Current.CancellationToken);
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");

        var first = await h.RunAgentAsync(alice, server: ts.McpUrl);
        Assert.Equal("auth_required", first.GetProperty("status").GetString());
        var link = new Uri(Assert.Single(first.GetProperty("login_links").EnumerateArray()).GetProperty("url").GetString()!);

        // The link's owner opens it signed in, and the login ends in the same browser.
        using var browser = new Browser(h.Main.BaseUrl);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostLoginAsync(alice.MainEmail, BrokerHarness.Password)).Status);
        var authorize = await browser.LocationOfAsync(link);
        Assert.Equal(ts.AuthorizationServerUrl.GetLeftPart(UriPartial.Authority), authorize.GetLeftPart(UriPartial.Authority));
        var callback = await ts.CompleteAuthorizationAsync(authorize, TestContext.Current.CancellationToken);
        var (status, page) = await browser.GetPageAsync(callback);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("is connected", page, StringComparison.Ordinal);

        var second = await h.RunAgentAsync(alice, server: ts.McpUrl);
        Assert.Equal("completed", second.GetProperty("status").GetString());
        var call = Assert.Single(second.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("greet", call.GetProperty("tool").GetString());
        Assert.Equal("succeeded", call.GetProperty("status").GetString());
        Assert.Contains("Alice", second.GetProperty("output").GetString(), StringComparison.Ordinal);
    }
}
