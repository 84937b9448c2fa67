using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.IdentityProvider.ClientRegistration;
using Microsoft.Extensions.Time.Testing;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.Tests.Registration;

public sealed class ClientRegistrationEndpointTests
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(RealClientRegistrations.All), MemberType = typeof(RealClientRegistrations))]
    public async Task Register_RealClientBody_CreatesApplicationWithMcpPermissions(
        string name, string body, bool confidential, string applicationType, string scope)
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);

        using var response = await PostAsync(host, body);

        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name}: {await response.Content.ReadAsStringAsync(CancellationToken)}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        var clientId = json["client_id"]!.GetValue<string>();
        var sent = JsonNode.Parse(body)!;
        Assert.Equal(sent["client_name"]!.GetValue<string>(), json["client_name"]!.GetValue<string>());
        Assert.Equal(scope, json["scope"]!.GetValue<string>());
        // A public client that asked for the device flow (VS Code) gets it as well.
        var device = !confidential && sent["grant_types"]?.AsArray().Any(g => (string?)g == GrantTypes.DeviceCode) == true;
        Assert.Equal(
            device ? ["authorization_code", GrantTypes.DeviceCode, "refresh_token"] : ["authorization_code", "refresh_token"],
            json["grant_types"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["code"], json["response_types"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.True(json["client_id_issued_at"]!.GetValue<long>() > 0);
        // Twins such as "http://127.0.0.1" and "http://127.0.0.1/" are one URI to OpenIddict; the first is kept.
        var sentRedirectUris = sent["redirect_uris"]!.AsArray().Select(n => n!.GetValue<string>()).DistinctBy(u => new Uri(u)).ToArray();
        Assert.Equal(sentRedirectUris, json["redirect_uris"]!.AsArray().Select(n => n!.GetValue<string>()));

        var stored = await host.FindAsync(clientId, CancellationToken);
        Assert.NotNull(stored);
        Assert.Equal(sent["client_name"]!.GetValue<string>(), stored.DisplayName);
        Assert.Equal(confidential ? ClientTypes.Confidential : ClientTypes.Public, stored.ClientType);
        Assert.Equal(applicationType, stored.ApplicationType);
        Assert.Equal(ConsentTypes.Explicit, stored.ConsentType);
        Assert.Equal(sentRedirectUris.Order(StringComparer.Ordinal), stored.RedirectUris.Select(u => u.OriginalString).Order(StringComparer.Ordinal));
        Assert.Equal([Requirements.Features.ProofKeyForCodeExchange], stored.Requirements);
        Assert.Equal(ClientOrigin.Dynamic, ClientOrigin.Get(stored));
        Assert.True(ClientOrigin.IsUnverified(ClientOrigin.Get(stored)));
        string[] expected =
        [
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
            Permissions.Endpoints.EndSession, Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken,
            Permissions.ResponseTypes.Code, "rsrc:" + host.McpResource,
            .. scope.Split(' ').Select(s => "scp:" + s),
            .. device ? [Permissions.Endpoints.DeviceAuthorization, Permissions.GrantTypes.DeviceCode] : Array.Empty<string>(),
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), stored.Permissions.Order(StringComparer.Ordinal));

        if (confidential)
        {
            var secret = json["client_secret"]!.GetValue<string>();
            Assert.True(secret.Length >= 40);
            Assert.Equal(0, json["client_secret_expires_at"]!.GetValue<long>());
            Assert.Equal("client_secret_post", json["token_endpoint_auth_method"]!.GetValue<string>());
        }
        else
        {
            Assert.Null(json["client_secret"]);
            Assert.Null(json["client_secret_expires_at"]);
            Assert.Equal("none", json["token_endpoint_auth_method"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData("client_secret_basic")]
    [InlineData("client_secret_post")]
    [InlineData(null)] // RFC 7591's default is client_secret_basic
    public async Task Register_ConfidentialClient_ReturnsSecretThatValidates(string? authMethod)
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);
        var body = new JsonObject { ["client_name"] = "Backend agent", ["redirect_uris"] = new JsonArray("https://agent.example/callback") };
        if (authMethod is not null)
        {
            body["token_endpoint_auth_method"] = authMethod;
        }

        using var response = await PostAsync(host, body.ToJsonString());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        var clientId = json["client_id"]!.GetValue<string>();
        var secret = json["client_secret"]!.GetValue<string>();
        Assert.Equal(authMethod ?? "client_secret_basic", json["token_endpoint_auth_method"]!.GetValue<string>());
        Assert.Equal("web", (await host.FindAsync(clientId, CancellationToken))!.ApplicationType);
        var (valid, wrong) = await host.WithApplicationsAsync(async applications =>
        {
            var application = (await applications.FindByClientIdAsync(clientId, CancellationToken))!;
            return (await applications.ValidateClientSecretAsync(application, secret, CancellationToken),
                await applications.ValidateClientSecretAsync(application, secret + "x", CancellationToken));
        });
        Assert.True(valid);
        Assert.False(wrong);
    }

    [Fact]
    public async Task Register_ConfidentialNativeClient_IsAccepted()
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);

        using var response = await PostAsync(host, """{"redirect_uris":["http://127.0.0.1:8080/cb"],"token_endpoint_auth_method":"client_secret_basic"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        var stored = (await host.FindAsync(json["client_id"]!.GetValue<string>(), CancellationToken))!;
        Assert.Equal((ClientTypes.Confidential, ApplicationTypes.Native), (stored.ClientType, stored.ApplicationType));
        Assert.Equal("Unnamed client", stored.DisplayName);
    }

    [Fact]
    public async Task Register_IssuedAt_ComesFromTimeProvider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        await using var host = await RegistrationTestHost.StartAsync(new() { TimeProvider = time }, CancellationToken);

        using var response = await PostAsync(host, RealClientRegistrations.McpRemote);

        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), json["client_id_issued_at"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("mcp offline_access unknown", "offline_access mcp")]
    [InlineData("claudeai", "openid profile email offline_access mcp")]
    [InlineData("", "openid profile email offline_access mcp")]
    public async Task Register_Scope_IntersectedWithMcpScopes(string scope, string expected)
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);
        var body = new JsonObject
        {
            ["redirect_uris"] = new JsonArray("http://localhost:3334/oauth/callback"),
            ["token_endpoint_auth_method"] = "none",
            ["scope"] = scope,
        };

        using var response = await PostAsync(host, body.ToJsonString());

        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.Equal(expected, json["scope"]!.GetValue<string>());
        var stored = (await host.FindAsync(json["client_id"]!.GetValue<string>(), CancellationToken))!;
        Assert.Equal(
            expected.Split(' ').Select(s => "scp:" + s).Order(StringComparer.Ordinal),
            stored.Permissions.Where(p => p.StartsWith("scp:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Register_UnsafeClientUri_IsDropped()
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);

        using var response = await PostAsync(host, """
            {"redirect_uris":["http://localhost:3334/cb"],"token_endpoint_auth_method":"none",
             "client_uri":"javascript:alert(1)","logo_uri":"http://evil.example/logo.png"}
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.Null(json["client_uri"]);
        Assert.Null(json["logo_uri"]);
        var stored = (await host.FindAsync(json["client_id"]!.GetValue<string>(), CancellationToken))!;
        Assert.False(stored.Properties.ContainsKey("client_uri"));
        Assert.False(stored.Properties.ContainsKey("logo_uri"));
    }

    [Fact]
    public async Task Register_PublicDeviceOnlyClientWithoutRedirectUris_GetsTheDeviceFlowOnly()
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);

        using var response = await PostAsync(host, $$"""
            {"client_name":"Headless box","grant_types":["{{GrantTypes.DeviceCode}}","refresh_token"],"token_endpoint_auth_method":"none","scope":"mcp offline_access"}
            """);

        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToJsonString());
        Assert.Equal([GrantTypes.DeviceCode, "refresh_token"], json["grant_types"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Empty(json["response_types"]!.AsArray());
        Assert.Empty(json["redirect_uris"]!.AsArray());
        var stored = await host.FindAsync(json["client_id"]!.GetValue<string>(), CancellationToken);
        Assert.NotNull(stored);
        Assert.Equal(ClientTypes.Public, stored.ClientType);
        Assert.Empty(stored.RedirectUris);
        Assert.Contains(Permissions.Endpoints.DeviceAuthorization, stored.Permissions);
        Assert.Contains(Permissions.GrantTypes.DeviceCode, stored.Permissions);
        Assert.Contains(Permissions.GrantTypes.RefreshToken, stored.Permissions);
        Assert.DoesNotContain(Permissions.Endpoints.Authorization, stored.Permissions);
        Assert.DoesNotContain(Permissions.GrantTypes.AuthorizationCode, stored.Permissions);
    }

    [Fact]
    public async Task Register_ConfidentialClientAskingForTheDeviceFlow_KeepsTheCodeFlowOnly()
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);

        using var response = await PostAsync(host, $$"""
            {"redirect_uris":["https://app.example/cb"],"grant_types":["authorization_code","{{GrantTypes.DeviceCode}}"]}
            """);

        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToJsonString());
        Assert.Equal(["authorization_code", "refresh_token"], json["grant_types"]!.AsArray().Select(n => n!.GetValue<string>()));
        var stored = await host.FindAsync(json["client_id"]!.GetValue<string>(), CancellationToken);
        Assert.DoesNotContain(Permissions.GrantTypes.DeviceCode, stored!.Permissions);
    }

    [Theory]
    [InlineData("""{"client_name":"x","token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":[],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":[null],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["javascript:alert(document.cookie)"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["http://evil.example/callback"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://app.example/cb#frag"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://claude.ai/api/mcp/auth_callback","myapp://cb"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"grant_types":["authorization_code","password"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"grant_types":["client_credentials"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"grant_types":["refresh_token"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"response_types":["token"]}""", "invalid_client_metadata")]
    [InlineData("""{"grant_types":["urn:ietf:params:oauth:grant-type:device_code"]}""", "invalid_client_metadata")]
    [InlineData("""{"grant_types":["urn:ietf:params:oauth:grant-type:device_code"],"token_endpoint_auth_method":"client_secret_post"}""", "invalid_client_metadata")]
    [InlineData("""{"grant_types":["urn:ietf:params:oauth:grant-type:device_code","password"],"token_endpoint_auth_method":"none"}""", "invalid_client_metadata")]
    [InlineData("""{"grant_types":["refresh_token"],"token_endpoint_auth_method":"none"}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":"https://app.example/cb"}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"client_name":42}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"]""", "invalid_client_metadata")]
    [InlineData("""not json""", "invalid_client_metadata")]
    [InlineData("""[]""", "invalid_client_metadata")]
    [InlineData("""null""", "invalid_client_metadata")]
    [InlineData("", "invalid_client_metadata")]
    public async Task Register_BadMetadata_Returns400AndCreatesNothing(string body, string error)
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);

        using var response = await PostAsync(host, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.Equal(error, json["error"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(json["error_description"]!.GetValue<string>()));
        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Register_BodyOverMaxBodyBytes_Returns413(bool chunked)
    {
        await using var host = await RegistrationTestHost.StartAsync(new() { Configure = o => o.MaxBodyBytes = 4_096 }, CancellationToken);
        var body = Encoding.UTF8.GetBytes($$"""{"redirect_uris":["https://app.example/cb"],"client_name":"{{new string('a', 5_000)}}"}""");
        using HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await host.Client.PostAsync("connect/register", content, CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.Equal("invalid_client_metadata", json["error"]!.GetValue<string>());
        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
    }

    [Fact]
    public async Task Register_MorePerMinuteThanPermitted_Returns429WithRetryAfter()
    {
        await using var host = await RegistrationTestHost.StartAsync(new() { Configure = o => o.PermitsPerMinutePerAddress = 3 }, CancellationToken);

        for (var i = 0; i < 3; i++)
        {
            using var accepted = await PostAsync(host, RealClientRegistrations.McpRemote);
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        }

        using var limited = await PostAsync(host, RealClientRegistrations.McpRemote);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        var json = (await limited.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.Equal("temporarily_unavailable", json["error"]!.GetValue<string>());
        Assert.Equal(3, await host.CountApplicationsAsync(CancellationToken));
    }

    [Fact]
    public async Task Register_CapReached_Returns503AndCountsOnlyDynamicClients()
    {
        await using var host = await RegistrationTestHost.StartAsync(new() { Configure = o => o.MaxRegisteredClients = 2 }, CancellationToken);
        await host.WithApplicationsAsync(async applications => await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = "configured-by-operator",
            ClientType = ClientTypes.Public,
            RedirectUris = { new Uri("https://operator.example/cb") },
        }, CancellationToken));

        using (var first = await PostAsync(host, RealClientRegistrations.Cursor))
        using (var second = await PostAsync(host, RealClientRegistrations.ClaudeCode))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        }

        using var refused = await PostAsync(host, RealClientRegistrations.McpInspector);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var json = (await refused.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.Equal("temporarily_unavailable", json["error"]!.GetValue<string>());
        Assert.Contains("limit of 2", json["error_description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(3, await host.CountApplicationsAsync(CancellationToken));
    }

    [Fact]
    public async Task Register_Disabled_Returns404()
    {
        await using var host = await RegistrationTestHost.StartAsync(new() { Configure = o => o.Enabled = false }, CancellationToken);

        using var response = await PostAsync(host, RealClientRegistrations.Claude);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
    }

    [Fact]
    public async Task Register_CustomSchemeAddedInOptions_IsAccepted()
    {
        await using var host = await RegistrationTestHost.StartAsync(new() { Configure = o => o.AllowedCustomSchemes.Add("zed") }, CancellationToken);

        using var response = await PostAsync(host, """{"redirect_uris":["zed://oauth/callback"],"token_endpoint_auth_method":"none"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Register_OptionsFromConfiguration_Bound()
    {
        await using var host = await RegistrationTestHost.StartAsync(new()
        {
            Configuration = new Dictionary<string, string?>
            {
                ["IdentityProvider:Registration:AllowedCustomSchemes:0"] = "zed",
                ["IdentityProvider:Registration:MaxRegisteredClients"] = "1",
            },
        }, CancellationToken);

        using var zed = await PostAsync(host, """{"redirect_uris":["zed://oauth/callback"],"token_endpoint_auth_method":"none"}""");
        using var cursor = await PostAsync(host, RealClientRegistrations.Cursor);

        Assert.Equal(HttpStatusCode.Created, zed.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cursor.StatusCode);
    }

    [Fact]
    public async Task Start_InvalidOptions_FailsValidationOnStart()
    {
        var settings = new RegistrationTestHost.HostSettings
        {
            Configuration = new Dictionary<string, string?> { ["IdentityProvider:Registration:MaxBodyBytes"] = "10" },
        };

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => RegistrationTestHost.StartAsync(settings, CancellationToken));

        Assert.Contains("MaxBodyBytes", error.Message, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostAsync(RegistrationTestHost host, string body) =>
        host.Client.PostAsync("connect/register", new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken);

    /// <summary>A stream without a known length, so HttpClient sends it chunked with no Content-Length.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
