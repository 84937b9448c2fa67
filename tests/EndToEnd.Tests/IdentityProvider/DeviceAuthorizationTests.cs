using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.IdentityProvider;

/// <summary>The device authorization flow (RFC 8628) of our IdP, driven by hand: the device's requests and the person's verification page.</summary>
public sealed class DeviceAuthorizationTests
{
    private const string Email = "ada@example.com";
    private const string Password = "Analytical-Engine-1843";
    private const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Discovery_ListsTheDeviceEndpointAndGrant()
    {
        await using var host = await SubAgentHost.StartAsync();
        using var http = host.CreateHttpClient();

        var metadata = (await http.GetFromJsonAsync<JsonObject>(".well-known/oauth-authorization-server", CancellationToken))!;

        Assert.Equal(new Uri(host.BaseUrl, "connect/device").AbsoluteUri, (string?)metadata["device_authorization_endpoint"]);
        Assert.Contains(DeviceCodeGrant, metadata["grant_types_supported"]!.AsArray().Select(g => (string?)g));
    }

    [Fact]
    public async Task DeviceFlow_PendingUntilApproved_ThenTokensLikeTheCodeFlowThatMcpAccepts()
    {
        await using var host = await StartAsync();
        using var oauth = new OAuthTestClient(host);
        using var http = host.CreateHttpClient();
        var clientId = await RegisterDeviceClientAsync(http);
        var device = await AuthorizeDeviceAsync(http, clientId, host);
        Assert.StartsWith(new Uri(host.BaseUrl, "connect/verify").AbsoluteUri, (string?)device["verification_uri_complete"], StringComparison.Ordinal);

        var (pendingStatus, pending) = await oauth.TokenAsync(DeviceTokenForm(clientId, device));
        Assert.Equal(HttpStatusCode.BadRequest, pendingStatus);
        Assert.Equal("authorization_pending", (string?)pending["error"]);

        using var browser = new Browser(host.BaseUrl);
        var (page, outcome) = await browser.VerifyDeviceAsync(new Uri((string)device["verification_uri_complete"]!), Email, Password);
        Assert.Contains("Headless test device", page, StringComparison.Ordinal);
        Assert.Contains((string)device["user_code"]!, page, StringComparison.Ordinal);
        Assert.Equal("outcome=approved", outcome.Query.TrimStart('?'));
        var (_, done) = await browser.GetPageAsync(outcome);
        Assert.Contains("Device signed in", done, StringComparison.Ordinal);

        var (status, tokens) = await oauth.TokenAsync(DeviceTokenForm(clientId, device));
        Assert.True(status == HttpStatusCode.OK, tokens.ToJsonString());
        Assert.NotNull(tokens["refresh_token"]);
        var (_, codeFlowTokens) = await oauth.LogInAsync(Email, Password);
        var deviceJwt = new JwtSecurityTokenHandler().ReadJwtToken((string)tokens["access_token"]!);
        var codeJwt = new JwtSecurityTokenHandler().ReadJwtToken((string)codeFlowTokens["access_token"]!);
        Assert.Equal([host.McpUrl.AbsoluteUri], deviceJwt.Audiences);
        Assert.Equal(codeJwt.Audiences, deviceJwt.Audiences);
        Assert.Equal(Scopes(codeJwt), Scopes(deviceJwt));
        Assert.Equal(codeJwt.Subject, deviceJwt.Subject);
        using var mcp = await oauth.CallMcpAsync((string)tokens["access_token"]!);
        Assert.Equal(HttpStatusCode.OK, mcp.StatusCode);

        var (refreshStatus, refreshed) = await oauth.RefreshAsync(clientId, (string)tokens["refresh_token"]!);
        Assert.True(refreshStatus == HttpStatusCode.OK, refreshed.ToJsonString());

        // The device code works once, and a replay (a stolen copy) revokes what it gave.
        var (replayStatus, _) = await oauth.TokenAsync(DeviceTokenForm(clientId, device));
        Assert.Equal(HttpStatusCode.BadRequest, replayStatus);
        var (afterReplay, _) = await oauth.RefreshAsync(clientId, (string)refreshed["refresh_token"]!);
        Assert.Equal(HttpStatusCode.BadRequest, afterReplay);
    }

    [Fact]
    public async Task DeviceFlow_Denied_ThePollGetsAccessDenied()
    {
        await using var host = await StartAsync();
        using var oauth = new OAuthTestClient(host);
        using var http = host.CreateHttpClient();
        var clientId = await RegisterDeviceClientAsync(http);
        var device = await AuthorizeDeviceAsync(http, clientId, host);

        using var browser = new Browser(host.BaseUrl);
        var (_, outcome) = await browser.VerifyDeviceAsync(new Uri((string)device["verification_uri_complete"]!), Email, Password, "deny");

        Assert.Equal("outcome=denied", outcome.Query.TrimStart('?'));
        var (status, body) = await oauth.TokenAsync(DeviceTokenForm(clientId, device));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("access_denied", (string?)body["error"]);
    }

    [Fact]
    public async Task VerificationPage_NotSignedIn_RedirectsToLoginAndBack()
    {
        await using var host = await StartAsync();
        using var browser = new Browser(host.BaseUrl);

        var login = await browser.LocationOfAsync(new Uri(host.BaseUrl, "connect/verify?user_code=ABCD-EFGH"));

        Assert.Equal("/account/login", login.AbsolutePath);
        var returnUrl = System.Web.HttpUtility.ParseQueryString(login.Query)["ReturnUrl"];
        Assert.Equal("/connect/verify?user_code=ABCD-EFGH", returnUrl);
    }

    [Fact]
    public async Task VerificationPage_UnknownCode_SaysSoOnThePage()
    {
        await using var host = await StartAsync();
        using var browser = new Browser(host.BaseUrl);
        await browser.PostLoginAsync(Email, Password);

        var (status, page) = await browser.GetPageAsync(new Uri(host.BaseUrl, "connect/verify?user_code=ABCD-EFGH"));
        var (formStatus, form) = await browser.GetPageAsync(new Uri(host.BaseUrl, "connect/verify"));
        var (postStatus, posted) = await browser.SubmitAsync(new Uri(host.BaseUrl, "connect/verify"), new() { ["user_code"] = new string('9', 5_000) });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("not valid or has expired", page, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"decision\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, formStatus);
        Assert.Contains("name=\"user_code\"", form, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, postStatus);
        Assert.Contains("not valid or has expired", posted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerificationPage_PostWithoutAntiforgeryToken_IsRefusedAndTheDeviceStaysPending()
    {
        await using var host = await StartAsync();
        using var oauth = new OAuthTestClient(host);
        using var http = host.CreateHttpClient();
        var clientId = await RegisterDeviceClientAsync(http);
        var device = await AuthorizeDeviceAsync(http, clientId, host);
        using var browser = new Browser(host.BaseUrl);
        await browser.PostLoginAsync(Email, Password);

        // A page of another site posting into the signed-in person's session: no antiforgery token.
        var (status, _) = await browser.SubmitAsync(new Uri(host.BaseUrl, "connect/verify"), new()
        {
            ["user_code"] = (string)device["user_code"]!,
            ["decision"] = "allow",
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var (_, poll) = await oauth.TokenAsync(DeviceTokenForm(clientId, device));
        Assert.Equal("authorization_pending", (string?)poll["error"]);
    }

    [Fact]
    public async Task VerificationPage_WrongCodesPastTheFreeOnes_AreThrottled()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["IdentityProvider:SignInThrottling:FreeFailuresPerAddress"] = "2" });
        using var browser = new Browser(host.BaseUrl);
        await browser.PostLoginAsync(Email, Password);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            var (status, _) = await browser.GetPageAsync(new Uri(host.BaseUrl, $"connect/verify?user_code=WRONG-00{i}"));
            statuses.Add(status);
        }

        // The third wrong code makes the address wait: the fourth guess is not even looked up.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Contains("Too many sign-in attempts", browser.LastPage, StringComparison.Ordinal);
    }

    private static async Task<SubAgentHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = await SubAgentHost.StartAsync(settings: settings);
        await host.CreateUserAsync(Email, Password);
        return host;
    }

    private static async Task<string> RegisterDeviceClientAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("connect/register", new JsonObject
        {
            ["client_name"] = "Headless test device",
            ["grant_types"] = new JsonArray(DeviceCodeGrant, "refresh_token"),
            ["token_endpoint_auth_method"] = "none",
        }, CancellationToken);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToJsonString());
        Assert.Contains(DeviceCodeGrant, body["grant_types"]!.AsArray().Select(g => (string?)g));
        return (string)body["client_id"]!;
    }

    private static async Task<JsonObject> AuthorizeDeviceAsync(HttpClient http, string clientId, SubAgentHost host)
    {
        using var response = await http.PostAsync("connect/device", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["scope"] = "mcp offline_access",
            ["resource"] = host.McpUrl.AbsoluteUri,
        }), CancellationToken);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    private static Dictionary<string, string> DeviceTokenForm(string clientId, JsonObject device) => new()
    {
        ["grant_type"] = DeviceCodeGrant,
        ["client_id"] = clientId,
        ["device_code"] = (string)device["device_code"]!,
    };

    private static string[] Scopes(JwtSecurityToken jwt) =>
        [.. jwt.Claims.Where(c => c.Type == "scope").SelectMany(c => c.Value.Split(' ')).Order(StringComparer.Ordinal)];
}
