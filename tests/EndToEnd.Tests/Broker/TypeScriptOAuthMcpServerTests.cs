using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.EndToEnd.Tests.Broker;

/// <summary>
/// The TypeScript SDK's example OAuth MCP server works as a protected downstream server: discovery from the 401, dynamic
/// registration, PKCE S256 and the resource indicator by hand, and the C# SDK's own OAuth client against it.
/// </summary>
public sealed class TypeScriptOAuthMcpServerTests
{
    private const string RedirectUri = "http://127.0.0.1:49153/callback";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HandDrivenDiscoveryRegistrationAndPkceFlow_YieldsTokenThatInitializes(bool strictResource)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await TypeScriptOAuthMcpServer.StartAsync(strictResource, ct);
        using var http = new HttpClient();

        // 1. Unauthenticated initialize: 401 with a Bearer challenge naming the protected resource metadata.
        using (var unauthenticated = await http.SendAsync(InitializeRequest(server.McpUrl, accessToken: null), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
            var challenge = Assert.Single(unauthenticated.Headers.WwwAuthenticate);
            Assert.Equal("Bearer", challenge.Scheme);
            Assert.Equal(server.ResourceMetadataUrl.AbsoluteUri, ChallengeParameter(challenge.Parameter, "resource_metadata"));
            Assert.Equal("invalid_token", ChallengeParameter(challenge.Parameter, "error"));
        }

        // 2. Protected resource metadata (RFC 9728), read with the C# SDK's public type.
        var prm = await http.GetFromJsonAsync<ProtectedResourceMetadata>(server.ResourceMetadataUrl, ct);
        Assert.NotNull(prm);
        Assert.Equal(server.McpUrl.AbsoluteUri, prm.Resource);
        Assert.Equal(new[] { server.AuthorizationServerUrl.AbsoluteUri }, prm.AuthorizationServers);
        Assert.Equal(new[] { "mcp:tools" }, prm.ScopesSupported);

        // 3. Authorization server metadata (RFC 8414) at the issuer's well-known path (the issuer has no path).
        var issuer = new Uri(prm.AuthorizationServers[0]);
        var asMetadata = await http.GetFromJsonAsync<JsonObject>(new Uri(issuer, "/.well-known/oauth-authorization-server"), ct);
        Assert.NotNull(asMetadata);
        Assert.Equal(issuer.AbsoluteUri, (string?)asMetadata["issuer"]);
        Assert.Equal(new[] { "S256" }, Strings(asMetadata["code_challenge_methods_supported"]));
        Assert.Equal(new[] { "client_secret_post", "none" }, Strings(asMetadata["token_endpoint_auth_methods_supported"]));
        Assert.Null(asMetadata["client_id_metadata_document_supported"]);
        var authorizationEndpoint = (string)asMetadata["authorization_endpoint"]!;
        var tokenEndpoint = (string)asMetadata["token_endpoint"]!;
        var registrationEndpoint = (string)asMetadata["registration_endpoint"]!;

        // 4. Dynamic client registration (RFC 7591) as a public client.
        using var registration = await http.PostAsJsonAsync(registrationEndpoint, new JsonObject
        {
            ["client_name"] = "McpSubAgent broker test",
            ["redirect_uris"] = new JsonArray(RedirectUri),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = "none",
        }, ct);
        Assert.True(registration.StatusCode == HttpStatusCode.Created, await registration.Content.ReadAsStringAsync(ct));
        var client = await registration.Content.ReadFromJsonAsync<DynamicClientRegistrationResponse>(ct);
        Assert.False(string.IsNullOrEmpty(client?.ClientId));
        Assert.Null(client.ClientSecret);

        // 5. Authorization request with PKCE S256, scope and resource; the server redirects to the client at once.
        var (verifier, challengeValue) = OAuthTestClient.Pkce();
        var authorizationUrl = new Uri(QueryHelpers.AddQueryString(authorizationEndpoint, new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = client.ClientId,
            ["redirect_uri"] = RedirectUri,
            ["scope"] = "mcp:tools",
            ["state"] = "state-42",
            ["code_challenge"] = challengeValue,
            ["code_challenge_method"] = "S256",
            ["resource"] = prm.Resource,
        }));
        var callback = await server.CompleteAuthorizationAsync(authorizationUrl, ct);
        Assert.StartsWith(RedirectUri + "?", callback.AbsoluteUri, StringComparison.Ordinal);
        var callbackQuery = QueryHelpers.ParseQuery(callback.Query);
        Assert.Equal("state-42", callbackQuery["state"].ToString());
        var code = callbackQuery["code"].ToString();
        Assert.False(string.IsNullOrEmpty(code), callback.AbsoluteUri);

        // 6. Token request: the code, the verifier, the same redirect_uri and resource.
        using var tokenResponse = await http.PostAsync(tokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["client_id"] = client.ClientId,
            ["redirect_uri"] = RedirectUri,
            ["resource"] = prm.Resource!,
        }), ct);
        var tokens = await tokenResponse.Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.True(tokenResponse.IsSuccessStatusCode, tokens?.ToJsonString());
        var accessToken = (string)tokens!["access_token"]!;
        Assert.Equal("bearer", (string?)tokens["token_type"], ignoreCase: true);
        Assert.Equal(3600, (int?)tokens["expires_in"]);
        Assert.Equal("mcp:tools", (string?)tokens["scope"]);
        Assert.Null(tokens["refresh_token"]);

        // 7. initialize with the token: 200, a session, and the example server's name.
        using var initialized = await http.SendAsync(InitializeRequest(server.McpUrl, accessToken), ct);
        var body = await initialized.Content.ReadAsStringAsync(ct);
        Assert.True(initialized.StatusCode == HttpStatusCode.OK, $"{(int)initialized.StatusCode}: {body}\n{server.Output}");
        Assert.True(initialized.Headers.Contains("Mcp-Session-Id"));
        var result = JsonRpcResult(initialized.Content.Headers.ContentType?.MediaType, body);
        Assert.Equal("simple-streamable-http-server", (string?)result["serverInfo"]?["name"]);
        Assert.NotNull(result["capabilities"]?["tools"]);
    }

    [Fact]
    public async Task CSharpSdkOAuthClient_LogsInThroughTheFixture_AndCallsGreet()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await TypeScriptOAuthMcpServer.StartAsync(strictResource: true, ct);
        using var http = new HttpClient();
        Uri? authorizationUri = null;
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = server.McpUrl,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri(RedirectUri),
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "C# SDK against the TypeScript example" },
                AuthorizationCallbackHandler = async (context, token) =>
                {
                    authorizationUri = context.AuthorizationUri;
                    var callback = await server.CompleteAuthorizationAsync(context.AuthorizationUri, token);
                    var query = QueryHelpers.ParseQuery(callback.Query);
                    return new AuthorizationResult { Code = query["code"].ToString(), State = query["state"].ToString() };
                },
            },
        }, http);

        await using var client = await McpClient.CreateAsync(transport, cancellationToken: ct);
        Assert.Equal("simple-streamable-http-server", client.ServerInfo?.Name);
        var tools = await client.ListToolsAsync(cancellationToken: ct);
        Assert.Contains("greet", tools.Select(t => t.Name));
        var greeting = await client.CallToolAsync("greet", new Dictionary<string, object?> { ["name"] = "broker" }, cancellationToken: ct);
        Assert.Equal("Hello, broker!", Assert.IsType<TextContentBlock>(Assert.Single(greeting.Content)).Text);

        // The SDK asked for the PRM's scope and resource, with PKCE S256 (the server refuses anything else).
        Assert.NotNull(authorizationUri);
        var query = QueryHelpers.ParseQuery(authorizationUri.Query);
        Assert.Equal(server.McpUrl.AbsoluteUri, query["resource"].ToString());
        Assert.Equal("mcp:tools", query["scope"].ToString());
        Assert.Equal("S256", query["code_challenge_method"].ToString());
    }

    private static HttpRequestMessage InitializeRequest(Uri mcpUrl, string? accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, mcpUrl)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"broker-test","version":"1.0.0"}}}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return request;
    }

    /// <summary>The result of the JSON-RPC response in a JSON body or in the SSE stream's first message event.</summary>
    private static JsonNode JsonRpcResult(string? mediaType, string body)
    {
        var json = mediaType == "text/event-stream"
            ? body.Split('\n').Select(l => l.TrimEnd('\r')).First(l => l.StartsWith("data: {", StringComparison.Ordinal))["data: ".Length..]
            : body;
        var message = JsonNode.Parse(json)!;
        Assert.True(message["result"] is not null, json);
        return message["result"]!;
    }

    /// <summary>One auth-param of a WWW-Authenticate challenge (RFC 9110 §11.2), quoted or not.</summary>
    private static string? ChallengeParameter(string? parameters, string name)
    {
        var match = System.Text.RegularExpressions.Regex.Match(
            parameters ?? "", $@"(?:^|,)\s*{name}\s*=\s*(?:""(?<v>(?:[^""\\]|\\.)*)""|(?<v>[^\s,]+))");
        return match.Success ? match.Groups["v"].Value : null;
    }

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];
}
