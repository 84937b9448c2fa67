using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.EndToEnd.Tests.IdentityProvider;

public sealed class SignUpAndAppClientTests
{
    [Fact]
    public async Task SelfSignUp_IsOffByDefault()
    {
        await using var host = await SubAgentHost.StartAsync();
        using var http = host.CreateHttpClient();

        using var response = await http.GetAsync("account/register", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task SelfSignUp_WhenConfigured_CreatesAnAccountThatCanLogIn()
    {
        await using var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?> { ["IdentityProvider:AllowSelfSignUp"] = "true" });
        var cookies = new CookieContainer();
        using (var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.BaseUrl })
        {
            var page = await http.GetStringAsync("account/register", TestContext.Current.CancellationToken);
            var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
            using var created = await http.PostAsync("account/register", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = "new@example.com",
                ["Password"] = "Fresh-Account-2026",
                ["__RequestVerificationToken"] = token,
            }), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        }

        using var client = new OAuthTestClient(host);
        var (_, tokens) = await client.LogInAsync("new@example.com", "Fresh-Account-2026");
        using var response = await client.CallMcpAsync((string)tokens["access_token"]!);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ClientCredentials_ConfidentialApp_GetsATokenForMcpWithItsClientIdAsSubject()
    {
        await using var host = await SubAgentHost.StartAsync();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = "billing-app",
                ClientSecret = "a-long-random-secret-of-the-app",
                ClientType = ClientTypes.Confidential,
                DisplayName = "Billing app",
                Permissions =
                {
                    Permissions.Endpoints.Token,
                    Permissions.GrantTypes.ClientCredentials,
                    Permissions.Prefixes.Scope + "mcp",
                },
            }, TestContext.Current.CancellationToken);
        }

        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "mcp" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("billing-app:a-long-random-secret-of-the-app")));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());

        var accessToken = (string)body["access_token"]!;
        var jwt = new JwtSecurityTokenHandler().ReadJwtToken(accessToken);
        Assert.Equal("billing-app", jwt.Subject);
        Assert.Equal([host.McpUrl.AbsoluteUri], jwt.Audiences);
        using var client = new OAuthTestClient(host);
        using var mcp = await client.CallMcpAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, mcp.StatusCode);

        using var wrongSecret = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        wrongSecret.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("billing-app:wrong")));
        using var refused = await http.SendAsync(wrongSecret, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
