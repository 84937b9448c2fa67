using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>A hand-driven OAuth client, for flows and attacks that a real client library would not make.</summary>
internal sealed class OAuthTestClient(SubAgentHost host) : IDisposable
{
    public const string RedirectUri = "http://127.0.0.1:7777/callback";

    private readonly HttpClient _http = host.CreateHttpClient();

    public async Task<string> RegisterAsync(string redirectUri = RedirectUri)
    {
        using var response = await _http.PostAsJsonAsync("connect/register", new JsonObject
        {
            ["client_name"] = "E2E test client",
            ["redirect_uris"] = new JsonArray(redirectUri),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = "none",
        }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body?.ToJsonString());
        return (string)body!["client_id"]!;
    }

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public Uri AuthorizeUrl(string clientId, string? challenge, string method = "S256", string? resource = null, string scope = "mcp offline_access", string redirectUri = RedirectUri)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = scope,
            ["state"] = "state-123",
        };
        if (challenge is not null)
        {
            query["code_challenge"] = challenge;
            query["code_challenge_method"] = method;
        }

        if (resource is not null)
        {
            query["resource"] = resource;
        }

        return new Uri(QueryHelpers.AddQueryString(new Uri(host.BaseUrl, "connect/authorize").AbsoluteUri, query));
    }

    public static string CodeFrom(Uri redirect)
    {
        var query = QueryHelpers.ParseQuery(redirect.Query);
        Assert.True(query.ContainsKey("code"), $"no code in {redirect}");
        Assert.Equal("state-123", query["state"].ToString());
        return query["code"].ToString();
    }

    public Task<(HttpStatusCode Status, JsonObject Body)> RedeemCodeAsync(string clientId, string code, string verifier, string redirectUri = RedirectUri) =>
        TokenAsync(new()
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = redirectUri,
        });

    public Task<(HttpStatusCode Status, JsonObject Body)> RefreshAsync(string clientId, string refreshToken) =>
        TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = refreshToken });

    public async Task<(HttpStatusCode Status, JsonObject Body)> TokenAsync(Dictionary<string, string> form)
    {
        using var response = await _http.PostAsync("connect/token", new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        return (response.StatusCode, body!);
    }

    /// <summary>Signs in as a person would and returns the token response of a fresh client.</summary>
    public async Task<(string ClientId, JsonObject Tokens)> LogInAsync(string email, string password, string scope = "mcp offline_access")
    {
        var clientId = await RegisterAsync();
        var (verifier, challenge) = Pkce();
        using var browser = new Browser(host.BaseUrl);
        var redirect = await browser.AuthorizeAsync(AuthorizeUrl(clientId, challenge, scope: scope), email, password);
        var (status, tokens) = await RedeemCodeAsync(clientId, CodeFrom(redirect), verifier);
        Assert.True(status == HttpStatusCode.OK, tokens.ToJsonString());
        return (clientId, tokens);
    }

    public async Task<HttpResponseMessage> CallMcpAsync(string? accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, host.McpUrl)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (accessToken is not null)
        {
            request.Headers.Authorization = new("Bearer", accessToken);
        }

        return await _http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public void Dispose() => _http.Dispose();
}
