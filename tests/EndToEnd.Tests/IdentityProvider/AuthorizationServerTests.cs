using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.IdentityProvider.Keys;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpSubAgent.EndToEnd.Tests.IdentityProvider;

/// <summary>The authorization server and the protected /mcp endpoint, driven by hand: the flows and the attacks.</summary>
public sealed class AuthorizationServerTests
{
    private const string Email = "grace@example.com";
    private const string Password = "Compiler-Pioneer-1952";

    private static async Task<(SubAgentHost Host, OAuthTestClient Client)> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = await SubAgentHost.StartAsync(settings: settings);
        await host.CreateUserAsync(Email, Password);
        return (host, new OAuthTestClient(host));
    }

    /// <summary>An authorization request refused on the server's own error page (no redirect, so no code leaves it).</summary>
    private static async Task AssertRefusedAsync(HttpResponseMessage response, string aboutParameter)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {response.Headers.Location} {body}");
        Assert.Contains("error:invalid_request", body, StringComparison.Ordinal);
        Assert.Contains(aboutParameter, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_AdvertisesWhatMcpClientsNeed()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        using var http = host.CreateHttpClient();

        foreach (var path in new[] { ".well-known/oauth-authorization-server", ".well-known/openid-configuration" })
        {
            var metadata = (await http.GetFromJsonAsync<JsonObject>(path, TestContext.Current.CancellationToken))!;
            Assert.Equal(host.BaseUrl.AbsoluteUri, (string?)metadata["issuer"]);
            Assert.Equal(["S256"], metadata["code_challenge_methods_supported"]!.AsArray().Select(v => (string?)v));
            Assert.Contains("none", metadata["token_endpoint_auth_methods_supported"]!.AsArray().Select(v => (string?)v));
            Assert.True((bool)metadata["client_id_metadata_document_supported"]!);
            Assert.Equal(new Uri(host.BaseUrl, "connect/register").AbsoluteUri, (string?)metadata["registration_endpoint"]);
        }

        var resource = (await http.GetFromJsonAsync<JsonObject>(".well-known/oauth-protected-resource/mcp", TestContext.Current.CancellationToken))!;
        Assert.Equal(host.McpUrl.AbsoluteUri, (string?)resource["resource"]);
        Assert.Equal(host.BaseUrl.AbsoluteUri, (string?)resource["authorization_servers"]![0]);
        Assert.Contains("mcp", resource["scopes_supported"]!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public async Task Mcp_WithoutToken_Is401WithResourceMetadata()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;

        using var response = await client.CallMcpAsync(accessToken: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer resource_metadata=\"{host.BaseUrl}.well-known/oauth-protected-resource/mcp\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task FullFlow_TokenWorksAtMcp_AndAudienceIsTheResource()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;

        var (_, tokens) = await client.LogInAsync(Email, Password);
        using var response = await client.CallMcpAsync((string)tokens["access_token"]!);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jwt = new JwtSecurityTokenHandler().ReadJwtToken((string)tokens["access_token"]!);
        Assert.Equal([host.McpUrl.AbsoluteUri], jwt.Audiences);
        Assert.Equal("at+jwt", jwt.Header.Typ);
        Assert.Equal("RS256", jwt.Header.Alg);
        Assert.NotNull(tokens["refresh_token"]);
    }

    [Theory]
    [InlineData("{mcp}")]
    [InlineData("{mcp}/")]
    public async Task Resource_WithOrWithoutTrailingSlash_IsAccepted(string template)
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var clientId = await client.RegisterAsync();
        var (verifier, challenge) = OAuthTestClient.Pkce();
        using var browser = new Browser(host.BaseUrl);

        var redirect = await browser.AuthorizeAsync(client.AuthorizeUrl(clientId, challenge, resource: template.Replace("{mcp}", host.McpUrl.AbsoluteUri, StringComparison.Ordinal)), Email, Password);
        var (status, tokens) = await client.RedeemCodeAsync(clientId, OAuthTestClient.CodeFrom(redirect), verifier);

        Assert.Equal(HttpStatusCode.OK, status);
        using var response = await client.CallMcpAsync((string)tokens["access_token"]!);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Resource_OfAnotherServer_IsRefusedWithInvalidTarget()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var clientId = await client.RegisterAsync();
        using var browser = new Browser(host.BaseUrl);

        var redirect = await browser.AuthorizeAsync(client.AuthorizeUrl(clientId, OAuthTestClient.Pkce().Challenge, resource: "https://other.example/mcp"), Email, Password);

        Assert.Contains("error=invalid_target", redirect.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PkcePlain_IsRefused()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var clientId = await client.RegisterAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var response = await http.GetAsync(client.AuthorizeUrl(clientId, "plain-verifier-that-is-long-enough-0123456789", method: "plain"), TestContext.Current.CancellationToken);

        await AssertRefusedAsync(response, "code_challenge_method");
    }

    [Fact]
    public async Task MissingPkce_IsRefused()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var clientId = await client.RegisterAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var response = await http.GetAsync(client.AuthorizeUrl(clientId, challenge: null), TestContext.Current.CancellationToken);

        await AssertRefusedAsync(response, "code_challenge");
    }

    [Fact]
    public async Task UnregisteredRedirectUri_IsRefusedWithoutRedirecting()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var clientId = await client.RegisterAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var response = await http.GetAsync(client.AuthorizeUrl(clientId, OAuthTestClient.Pkce().Challenge, redirectUri: "https://attacker.example/callback"), TestContext.Current.CancellationToken);

        // Never a redirect to an unregistered URI: the error page is shown by the server itself.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task UnknownClient_IsRefused()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var response = await http.GetAsync(client.AuthorizeUrl("no-such-client", OAuthTestClient.Pkce().Challenge), TestContext.Current.CancellationToken);

        await AssertRefusedAsync(response, "client_id");
    }

    [Fact]
    public async Task WrongVerifier_IsRefused_AndAReusedCodeRevokesWhatItGave()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var clientId = await client.RegisterAsync();
        var (verifier, challenge) = OAuthTestClient.Pkce();
        using var browser = new Browser(host.BaseUrl);
        var code = OAuthTestClient.CodeFrom(await browser.AuthorizeAsync(client.AuthorizeUrl(clientId, challenge), Email, Password));

        // Someone who has the code but not the verifier gets nothing (and cannot burn the code for its owner).
        var stolen = await client.RedeemCodeAsync(clientId, code, OAuthTestClient.Pkce().Verifier);
        Assert.True(stolen.Status == HttpStatusCode.BadRequest && (string?)stolen.Body["error"] == "invalid_grant", stolen.Body.ToJsonString());

        var redeemed = await client.RedeemCodeAsync(clientId, code, verifier);
        Assert.Equal(HttpStatusCode.OK, redeemed.Status);

        // RFC 6749 §4.1.2: a code used twice is refused, and the tokens it gave are revoked.
        var again = await client.RedeemCodeAsync(clientId, code, verifier);
        Assert.True((string?)again.Body["error"] == "invalid_grant", again.Body.ToJsonString());
        using var response = await client.CallMcpAsync((string)redeemed.Body["access_token"]!);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RefreshToken_RotatesAndAReplayedOneIsRefused()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var (clientId, tokens) = await client.LogInAsync(Email, Password);
        var first = (string)tokens["refresh_token"]!;

        var refreshed = await client.RefreshAsync(clientId, first);
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        var second = (string)refreshed.Body["refresh_token"]!;
        Assert.NotEqual(first, second);
        using (var ok = await client.CallMcpAsync((string)refreshed.Body["access_token"]!))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var replay = await client.RefreshAsync(clientId, first);
        Assert.Equal(HttpStatusCode.BadRequest, replay.Status);
        Assert.Equal("invalid_grant", (string?)replay.Body["error"]);
    }

    [Fact]
    public async Task RevokedAccessToken_IsRefusedAtMcp()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var (clientId, tokens) = await client.LogInAsync(Email, Password);
        var access = (string)tokens["access_token"]!;
        using var http = host.CreateHttpClient();

        using var revoke = await http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["token"] = access,
        }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        using var response = await client.CallMcpAsync(access);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ForgedTokens_ForAnotherAudienceOrIssuer_ExpiredOrNotAnAccessToken_AreRefused()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var key = host.Services.GetRequiredService<IdentityProviderKeyStore<AppDbContext>>().SigningKey;
        var (_, tokens) = await client.LogInAsync(Email, Password);
        var real = new JwtSecurityTokenHandler().ReadJwtToken((string)tokens["access_token"]!);

        string Forge(string audience, string type, DateTime expires, string? issuer = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? host.BaseUrl.AbsoluteUri,
            Audience = audience,
            Subject = new ClaimsIdentity(real.Claims.Where(c => c.Type is "sub" or "scope" or "oi_tkn_id")),
            NotBefore = expires.AddHours(-2),
            IssuedAt = expires.AddHours(-2),
            Expires = expires,
            TokenType = type,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });

        var valid = Forge(host.McpUrl.AbsoluteUri, "at+jwt", TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(10));
        using (var control = await client.CallMcpAsync(valid))
        {
            Assert.Equal(HttpStatusCode.OK, control.StatusCode);
        }

        foreach (var forged in new[]
        {
            Forge("https://other.example/mcp", "at+jwt", TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(10)),
            Forge(host.McpUrl.AbsoluteUri, "at+jwt", TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-5)),
            Forge(host.McpUrl.AbsoluteUri, "JWT", TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(10)),
            Forge(host.McpUrl.AbsoluteUri, "at+jwt", TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(10), issuer: "https://other.example/"),
        })
        {
            using var response = await client.CallMcpAsync(forged);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task TokenWithoutTheMcpScope_Gets403InsufficientScope()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;

        var (_, tokens) = await client.LogInAsync(Email, Password, scope: "openid profile");
        using var response = await client.CallMcpAsync((string)tokens["access_token"]!);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
        Assert.Contains("scope=\"mcp\"", challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consent_IsRememberedPerUserClientAndScopes()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var clientId = await client.RegisterAsync();
        using var browser = new Browser(host.BaseUrl);

        await browser.AuthorizeAsync(client.AuthorizeUrl(clientId, OAuthTestClient.Pkce().Challenge), Email, Password);
        await browser.AuthorizeAsync(client.AuthorizeUrl(clientId, OAuthTestClient.Pkce().Challenge), Email, Password);
        Assert.Single(browser.ConsentPages);

        await browser.AuthorizeAsync(client.AuthorizeUrl(clientId, OAuthTestClient.Pkce().Challenge, scope: "mcp offline_access email"), Email, Password);
        Assert.Equal(2, browser.ConsentPages.Count);
    }

    [Fact]
    public async Task Consent_Denied_ReturnsAccessDeniedToTheClient()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        using var __ = client;
        var clientId = await client.RegisterAsync();
        using var browser = new Browser(host.BaseUrl);

        var redirect = await browser.AuthorizeAsync(client.AuthorizeUrl(clientId, OAuthTestClient.Pkce().Challenge), Email, Password, decision: "deny");

        Assert.StartsWith(OAuthTestClient.RedirectUri, redirect.AbsoluteUri, StringComparison.Ordinal);
        Assert.Contains("error=access_denied", redirect.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_KeepsIssuedTokensValid()
    {
        var (host, client) = await StartAsync();
        string access;
        string refresh;
        string clientId;
        await using (host)
        {
            using (client)
            {
                var (id, tokens) = await client.LogInAsync(Email, Password);
                (clientId, access, refresh) = (id, (string)tokens["access_token"]!, (string)tokens["refresh_token"]!);
            }
        }

        // The same database, a new process-worth of services, another port: the issuer differs, so tokens are
        // checked against a host with the same origin as the first one.
        await using var restarted = await SubAgentHost.StartAsync(host.DatabasePath, new Dictionary<string, string?> { ["PublicBaseUrl"] = host.BaseUrl.AbsoluteUri });
        using var again = new OAuthTestClient(restarted);

        using var response = await again.CallMcpAsync(access);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var refreshed = await again.RefreshAsync(clientId, refresh);
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
    }
}
