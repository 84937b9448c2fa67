using System.Net;
using System.Text;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.Tasks;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Broker;

/// <summary>
/// The login broker end to end: our own server is the protected downstream (its authorization server, its login and
/// consent pages, its /mcp), the person is an HTTP client with a cookie jar, and runs go through run_agent.
/// </summary>
public sealed class BrokerLoginTests
{
    [Fact]
    public async Task RunAgent_ServerNeedsALogin_TheLinkLogsInAndTheSameRunThenCallsTheTool()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");

        var first = await h.RunAgentAsync(alice);
        Assert.Equal("auth_required", first.GetProperty("status").GetString());
        var link = Assert.Single(first.GetProperty("login_links").EnumerateArray());
        Assert.Equal(h.Downstream.McpUrl.AbsoluteUri, link.GetProperty("server_url").GetString());
        var url = new Uri(link.GetProperty("url").GetString()!);
        Assert.StartsWith(new Uri(h.Main.BaseUrl, "connections/login/").AbsoluteUri, url.AbsoluteUri, StringComparison.Ordinal);
        Assert.True(url.Segments[^1].Length >= 32, url.AbsoluteUri);
        Assert.Equal(0, h.Llm.RequestCount);

        var (status, page) = await h.LogInThroughLinkAsync(url, alice);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("is connected", page, StringComparison.Ordinal);
        Assert.Contains(h.Downstream.McpUrl.Host, page, StringComparison.Ordinal);

        var second = await h.RunAgentAsync(alice);
        Assert.Equal("completed", second.GetProperty("status").GetString());
        var call = Assert.Single(second.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(BrokerHarness.DownstreamTool, call.GetProperty("tool").GetString());
        Assert.Equal("succeeded", call.GetProperty("status").GetString());
        Assert.Contains("Listed your tasks.", second.GetProperty("output").GetString(), StringComparison.Ordinal);

        // The downstream issued the token to its own user, for its own /mcp, to our metadata document as client.
        var (row, tokens) = (await h.ConnectionAsync(alice))!.Value;
        Assert.Equal("connected", row.Status);
        Assert.NotNull(row.LastUsedAt);
        var claims = BrokerHarness.JwtPayload(tokens!.AccessToken);
        Assert.Equal(h.Downstream.McpUrl.AbsoluteUri, claims.GetProperty("aud").GetString());
        Assert.Equal(new Uri(h.Main.BaseUrl, "oauth/client-metadata.json").AbsoluteUri, claims.GetProperty("client_id").GetString());
        Assert.NotEqual(alice.Subject, claims.GetProperty("sub").GetString());

        // A used link opens nothing.
        var (replayStatus, replayPage) = await BrokerHarness.GetPageAsync(url);
        Assert.Equal(HttpStatusCode.Gone, replayStatus);
        Assert.Contains("already used", replayPage, StringComparison.Ordinal);

        // The database file holds neither token in plain text.
        var database = await File.ReadAllBytesAsync(h.Main.DatabasePath, TestContext.Current.CancellationToken);
        var contents = Encoding.Latin1.GetString(database);
        Assert.DoesNotContain(tokens.AccessToken, contents, StringComparison.Ordinal);
        Assert.DoesNotContain(tokens.RefreshToken!, contents, StringComparison.Ordinal);
        Assert.DoesNotContain(tokens.AccessToken[..40], contents, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task TwoUsers_OneServer_EachGetsTheirOwnLoginAndToken(string provider)
    {
        await using var h = await BrokerHarness.StartAsync(mainDatabase: await TestDatabase.CreateAsync(provider));
        var alice = await h.AddUserAsync("alice");
        var bob = await h.AddUserAsync("bob");

        var aliceLink = LinkOf(await h.RunAgentAsync(alice));
        var bobLink = LinkOf(await h.RunAgentAsync(bob));
        Assert.NotEqual(aliceLink, bobLink);
        await h.LogInThroughLinkAsync(aliceLink, alice);

        // Alice's login does nothing for Bob.
        Assert.Equal("auth_required", (await h.RunAgentAsync(bob)).GetProperty("status").GetString());
        Assert.Equal("completed", (await h.RunAgentAsync(alice)).GetProperty("status").GetString());

        await h.LogInThroughLinkAsync(bobLink, bob);
        Assert.Equal("completed", (await h.RunAgentAsync(bob)).GetProperty("status").GetString());

        var aliceToken = (await h.ConnectionAsync(alice))!.Value.Tokens!.AccessToken;
        var bobToken = (await h.ConnectionAsync(bob))!.Value.Tokens!.AccessToken;
        Assert.NotEqual(
            BrokerHarness.JwtPayload(aliceToken).GetProperty("sub").GetString(),
            BrokerHarness.JwtPayload(bobToken).GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Profiles_OneUserKeepsTwoLoginsToOneServer()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        await h.LogInThroughLinkAsync(LinkOf(await h.RunAgentAsync(alice)), alice);

        var work = await h.RunAgentAsync(alice, profile: "work");
        Assert.Equal("auth_required", work.GetProperty("status").GetString());
        await h.LogInThroughLinkAsync(LinkOf(work), alice);

        Assert.Equal("completed", (await h.RunAgentAsync(alice, profile: "work")).GetProperty("status").GetString());
        Assert.NotEqual(
            (await h.ConnectionAsync(alice))!.Value.Tokens!.AccessToken,
            (await h.ConnectionAsync(alice, "work"))!.Value.Tokens!.AccessToken);
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task ExpiringToken_IsRefreshedBeforeUse_AndRotatedRefreshTokensKeepWorking(string provider)
    {
        // Tokens live an hour; refreshing two hours ahead makes every use a refresh.
        await using var h = await BrokerHarness.StartAsync(
            new Dictionary<string, string?> { ["Broker:RefreshBeforeExpiry"] = "02:00:00" }, mainDatabase: await TestDatabase.CreateAsync(provider));
        var alice = await h.AddUserAsync("alice");
        await h.LogInThroughLinkAsync(LinkOf(await h.RunAgentAsync(alice)), alice);
        var before = (await h.ConnectionAsync(alice))!.Value;

        Assert.Equal("completed", (await h.RunAgentAsync(alice)).GetProperty("status").GetString());
        var once = (await h.ConnectionAsync(alice))!.Value;
        Assert.Equal("completed", (await h.RunAgentAsync(alice)).GetProperty("status").GetString());
        var twice = (await h.ConnectionAsync(alice))!.Value;

        Assert.NotEqual(before.Tokens!.AccessToken, once.Tokens!.AccessToken);
        Assert.NotEqual(before.Tokens.RefreshToken, once.Tokens.RefreshToken);
        Assert.NotEqual(once.Tokens.RefreshToken, twice.Tokens!.RefreshToken);
        Assert.True(twice.Row.Version > once.Row.Version && once.Row.Version > before.Row.Version);
    }

    [Fact]
    public async Task RevokedTokens_TheServerRefusesThem_TheRunAsksForANewLogin()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        await h.LogInThroughLinkAsync(LinkOf(await h.RunAgentAsync(alice)), alice);
        var (row, tokens) = (await h.ConnectionAsync(alice))!.Value;

        // The person ends the grant at the downstream: both tokens are revoked there.
        var clientId = BrokerHarness.JwtPayload(tokens!.AccessToken).GetProperty("client_id").GetString()!;
        using var http = h.Downstream.CreateHttpClient();
        foreach (var token in new[] { tokens.RefreshToken!, tokens.AccessToken })
        {
            using var revoked = await http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = token,
                ["client_id"] = clientId,
            }), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        // The 401 leads to a refresh, the refresh to invalid_grant, and that to a new login link.
        var after = await h.RunAgentAsync(alice);
        Assert.Equal("auth_required", after.GetProperty("status").GetString());
        var (needsLogin, cleared) = (await h.ConnectionAsync(alice))!.Value;
        Assert.Equal("needs_login", needsLogin.Status);
        Assert.Null(cleared);

        await h.LogInThroughLinkAsync(LinkOf(after), alice);
        Assert.Equal("completed", (await h.RunAgentAsync(alice)).GetProperty("status").GetString());
        Assert.Equal(row.Id, (await h.ConnectionAsync(alice))!.Value.Row.Id);
    }

    [Fact]
    public async Task AccessTokenRevokedDuringTheRun_TheToolCallRefreshesOnceAndSucceeds()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        await h.LogInThroughLinkAsync(LinkOf(await h.RunAgentAsync(alice)), alice);
        var before = (await h.ConnectionAsync(alice))!.Value.Tokens!;
        var clientId = BrokerHarness.JwtPayload(before.AccessToken).GetProperty("client_id").GetString()!;

        // Between listing the tools and calling one (while the model "thinks"), the access token is revoked.
        var scripted = h.Llm.Responder!;
        h.Llm.Responder = request =>
        {
            if (!request.Messages.Any(m => (string?)m?["role"] == "tool"))
            {
                using var http = h.Downstream.CreateHttpClient();
                using var revoked = http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["token"] = before.AccessToken,
                    ["client_id"] = clientId,
                })).GetAwaiter().GetResult();
                Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
            }

            return scripted(request);
        };

        var result = await h.RunAgentAsync(alice);

        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal("succeeded", Assert.Single(result.GetProperty("tool_calls").EnumerateArray()).GetProperty("status").GetString());
        var after = (await h.ConnectionAsync(alice))!.Value.Tokens!;
        Assert.NotEqual(before.AccessToken, after.AccessToken);
        Assert.NotEqual(before.RefreshToken, after.RefreshToken);
    }

    [Fact]
    public async Task Link_OpenedInABrowserSignedInAsAnotherAccount_IsRefused()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        var mallory = await h.AddUserAsync("mallory");
        var link = LinkOf(await h.RunAgentAsync(alice));

        using var mallorysBrowser = new Infrastructure.Browser(h.Main.BaseUrl);
        await mallorysBrowser.TryLoginAsync(mallory.MainEmail, BrokerHarness.Password);
        var (status, page) = await mallorysBrowser.GetPageAsync(link);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("This login link is for another account", page, StringComparison.Ordinal);

        // Its owner still can use it.
        var (ok, _) = await h.LogInThroughLinkAsync(link, alice);
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Fact]
    public async Task Link_OpenedWhileSignedOut_AsksForASignIn_ThenGoesOn_AndAPhishedPersonIsRefused()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        var victim = await h.AddUserAsync("victim");
        var link = LinkOf(await h.RunAgentAsync(alice));

        // Signed out: to the sign-in page, which comes back to the same link.
        using var signedOut = new Infrastructure.Browser(h.Main.BaseUrl);
        var signIn = await signedOut.LocationOfAsync(link);
        Assert.Equal("/account/login", signIn.AbsolutePath);
        Assert.Contains(Uri.EscapeDataString(link.AbsolutePath), signIn.Query, StringComparison.Ordinal);

        // Whoever was phished into the link signs in as themselves, and is refused: nothing reaches the downstream.
        var (afterSignIn, _, _) = await signedOut.PostLoginAsync(victim.MainEmail, BrokerHarness.Password);
        Assert.Equal(HttpStatusCode.Redirect, afterSignIn);
        var (refused, page) = await signedOut.GetPageAsync(link);
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("This login link is for another account", page, StringComparison.Ordinal);
        Assert.Null(await h.ConnectionAsync(alice));

        // Its owner completes it.
        Assert.Equal(HttpStatusCode.OK, (await h.LogInThroughLinkAsync(link, alice)).Status);
        Assert.NotNull(await h.ConnectionAsync(alice));
    }

    [Fact]
    public async Task AuthorizationUrl_PassedOnToAnotherBrowser_CompletesNothing_AndTheOwnerStillCan()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        var victim = await h.AddUserAsync("victim");
        var link = LinkOf(await h.RunAgentAsync(alice));

        // Alice opens her link but sends the authorization URL it leads to on to the victim.
        using var alicesBrowser = new Infrastructure.Browser(h.Main.BaseUrl);
        await alicesBrowser.TryLoginAsync(alice.MainEmail, BrokerHarness.Password);
        var authorizationUrl = await alicesBrowser.LocationOfAsync(link);
        Assert.Equal(h.Downstream.BaseUrl.GetLeftPart(UriPartial.Authority), authorizationUrl.GetLeftPart(UriPartial.Authority));

        using var victimsBrowser = new Infrastructure.Browser(h.Downstream.BaseUrl);
        var callback = await victimsBrowser.AuthorizeAsync(authorizationUrl, victim.DownstreamEmail, BrokerHarness.Password);
        var (status, page) = await victimsBrowser.GetPageAsync(callback);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("started in another browser", page, StringComparison.Ordinal);
        Assert.Null(await h.ConnectionAsync(alice));
        Assert.Equal(HttpStatusCode.OK, (await h.LogInThroughLinkAsync(link, alice)).Status);
    }

    [Fact]
    public async Task ExpiredLink_ShowsAnExpiredPage()
    {
        var clock = new ShiftedTimeProvider();
        await using var h = await BrokerHarness.StartAsync(mainServices: s => s.AddSingleton<TimeProvider>(clock));
        var alice = await h.AddUserAsync("alice");
        var link = LinkOf(await h.RunAgentAsync(alice));

        clock.Advance(TimeSpan.FromMinutes(16));
        var (status, page) = await BrokerHarness.GetPageAsync(link);

        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Contains("This login link has expired", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownLinkAndForgedState_ShowClearPages()
    {
        await using var h = await BrokerHarness.StartAsync();

        var (unknownStatus, unknownPage) = await BrokerHarness.GetPageAsync(new Uri(h.Main.BaseUrl, "connections/login/" + new string('a', 43)));
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Contains("This login link is not valid", unknownPage, StringComparison.Ordinal);

        var (forgedStatus, forgedPage) = await BrokerHarness.GetPageAsync(new Uri(h.Main.BaseUrl, "connections/callback?code=stolen&state=forged"));
        Assert.Equal(HttpStatusCode.BadRequest, forgedStatus);
        Assert.Contains("This login cannot be completed", forgedPage, StringComparison.Ordinal);

        var (noStateStatus, _) = await BrokerHarness.GetPageAsync(new Uri(h.Main.BaseUrl, "connections/callback?code=stolen"));
        Assert.Equal(HttpStatusCode.BadRequest, noStateStatus);
    }

    [Fact]
    public async Task Callback_FromAnotherIssuerOrDenied_IsRefused_AndTheLinkStillWorksAfterwards()
    {
        await using var h = await BrokerHarness.StartAsync();
        var alice = await h.AddUserAsync("alice");
        var link = LinkOf(await h.RunAgentAsync(alice));

        // Open the link but stop at the authorization server: take its state, and answer as an attacker would.
        var state = await StateOfAuthorizationRequestAsync(h, alice, link);
        var (mixUp, mixUpPage) = await BrokerHarness.GetPageAsync(new Uri(h.Main.BaseUrl,
            $"connections/callback?code=x&state={Uri.EscapeDataString(state)}&iss={Uri.EscapeDataString("https://evil.example/")}"));
        Assert.Equal(HttpStatusCode.BadRequest, mixUp);
        Assert.Contains("did not come from the authorization server", mixUpPage, StringComparison.Ordinal);

        state = await StateOfAuthorizationRequestAsync(h, alice, link);
        var (denied, deniedPage) = await BrokerHarness.GetPageAsync(new Uri(h.Main.BaseUrl,
            $"connections/callback?error=access_denied&state={Uri.EscapeDataString(state)}&iss={Uri.EscapeDataString(h.Downstream.BaseUrl.AbsoluteUri)}"));
        Assert.Equal(HttpStatusCode.BadRequest, denied);
        Assert.Contains("Access was not granted", deniedPage, StringComparison.Ordinal);

        // Neither used the link up.
        var (status, _) = await h.LogInThroughLinkAsync(link, alice);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task ClientMetadataDocument_ListsOurCallback()
    {
        await using var h = await BrokerHarness.StartAsync();
        using var http = h.Main.CreateHttpClient();

        using var response = await http.GetAsync("oauth/client-metadata.json", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(new Uri(h.Main.BaseUrl, "oauth/client-metadata.json").AbsoluteUri, document.GetProperty("client_id").GetString());
        Assert.Equal(new Uri(h.Main.BaseUrl, "connections/callback").AbsoluteUri, document.GetProperty("redirect_uris")[0].GetString());
        Assert.Equal("none", document.GetProperty("token_endpoint_auth_method").GetString());
    }

    private static Uri LinkOf(System.Text.Json.JsonElement result) =>
        new(Assert.Single(result.GetProperty("login_links").EnumerateArray()).GetProperty("url").GetString()!);

    /// <summary>Opens the link signed in as its owner, stopping at the redirect to the authorization server.</summary>
    private static async Task<string> StateOfAuthorizationRequestAsync(BrokerHarness h, BrokerUser owner, Uri link)
    {
        using var browser = new Infrastructure.Browser(h.Main.BaseUrl);
        await browser.TryLoginAsync(owner.MainEmail, BrokerHarness.Password);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery((await browser.LocationOfAsync(link)).Query);
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.False(string.IsNullOrEmpty(query["resource"].ToString()));
        return query["state"].ToString();
    }
}
