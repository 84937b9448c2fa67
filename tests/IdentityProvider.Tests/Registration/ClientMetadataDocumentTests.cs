using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using McpSubAgent.IdentityProvider.ClientRegistration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.Tests.Registration;

public sealed class ClientMetadataDocumentTests
{
    private static readonly RegistrationTestHost.HostSettings LoopbackAllowed = new() { Configure = o => o.AllowLoopbackMetadataDocuments = true };

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Authorize_ClientIdIsDocumentUrl_CreatesPublicClientFromDocument()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed, CancellationToken);
        documents.ServeJson(documents.Document("Example Agent", ["http://127.0.0.1/callback", "https://agent.example/oauth/callback"]));

        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        var stored = (await host.FindAsync(documents.DocumentUrl, CancellationToken))!;
        Assert.Equal("Example Agent", stored.DisplayName);
        Assert.Equal(ClientTypes.Public, stored.ClientType);
        Assert.Equal(ApplicationTypes.Native, stored.ApplicationType);
        Assert.Equal(ClientOrigin.MetadataDocument, ClientOrigin.Get(stored));
        Assert.Equal(["http://127.0.0.1/callback", "https://agent.example/oauth/callback"], stored.RedirectUris.Select(u => u.OriginalString).Order(StringComparer.Ordinal));
        Assert.Equal([Requirements.Features.ProofKeyForCodeExchange], stored.Requirements);
        Assert.Contains(Permissions.Endpoints.Authorization, stored.Permissions);
        Assert.Contains(Permissions.Endpoints.Token, stored.Permissions);
        Assert.Contains(Permissions.GrantTypes.RefreshToken, stored.Permissions);
        Assert.Contains("rsrc:" + host.McpResource, stored.Permissions);
        Assert.Contains("scp:mcp", stored.Permissions);
        Assert.Equal(1, documents.Requests);
    }

    [Fact]
    public async Task Token_FormClientIdIsDocumentUrl_CreatesClient()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed, CancellationToken);
        documents.ServeJson(documents.Document());

        using var response = await host.Client.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = documents.DocumentUrl,
            ["code"] = "x",
        }), CancellationToken);

        var json = (await response.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!;
        Assert.True(json["exists"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Authorize_DocumentMissingClientName_UsesDefaultName()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed, CancellationToken);
        documents.ServeJson(documents.Document(clientName: null));

        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal("Unnamed client", (await host.FindAsync(documents.DocumentUrl, CancellationToken))!.DisplayName);
    }

    [Fact]
    public async Task Authorize_DocumentNamesOtherClientId_NotCreated()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed, CancellationToken);
        documents.ServeJson(documents.Document(clientId: "https://claude.ai/oauth/mcp-oauth-client-metadata"));

        Assert.False(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
        Assert.True(host.Logs.Contains("names the client_id https://claude.ai/oauth/mcp-oauth-client-metadata"));
    }

    [Theory]
    [InlineData("""{"client_name":"x","redirect_uris":["javascript:alert(1)"]}""", "invalid_redirect_uri")]
    [InlineData("""{"client_name":"x","redirect_uris":["http://evil.example/cb"]}""", "invalid_redirect_uri")]
    [InlineData("""{"client_name":"x"}""", "invalid_redirect_uri")]
    [InlineData("""{"client_name":"x","redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}""", "invalid_client_metadata")]
    [InlineData("""{"client_name":"x","redirect_uris":["https://a.example/cb"],"client_secret":"s3cret"}""", "invalid_client_metadata")]
    public async Task Authorize_DocumentWithBadMetadata_NotCreated(string documentWithoutClientId, string error)
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed, CancellationToken);
        var document = JsonNode.Parse(documentWithoutClientId)!.AsObject();
        document["client_id"] = documents.DocumentUrl;
        documents.ServeJson(document.ToJsonString());

        Assert.False(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
        Assert.True(host.Logs.Contains(error));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Authorize_DocumentOverMaxBytes_NotCreated(bool chunked)
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(
            new() { Configure = o => (o.AllowLoopbackMetadataDocuments, o.MetadataDocumentMaxBytes) = (true, 4_096) }, CancellationToken);
        var document = JsonNode.Parse(documents.Document())!.AsObject();
        document["padding"] = new string('x', 5_000);
        documents.ServeJson(document.ToJsonString(), chunked: chunked);

        Assert.False(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
        Assert.True(host.Logs.Contains("larger than 4096 bytes"));
    }

    [Fact]
    public async Task Authorize_SlowDocument_NotCreatedAfterTimeout()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(
            new() { Configure = o => (o.AllowLoopbackMetadataDocuments, o.MetadataDocumentTimeout) = (true, TimeSpan.FromMilliseconds(300)) }, CancellationToken);
        var document = documents.Document();
        documents.Respond = async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
            await context.Response.WriteAsync(document, context.RequestAborted);
        };
        var stopwatch = Stopwatch.StartNew();

        Assert.False(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
        Assert.True(host.Logs.Contains("took longer than"));
    }

    [Fact]
    public async Task Authorize_DocumentRedirects_NotFollowed()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed, CancellationToken);
        documents.Respond = context =>
        {
            context.Response.Redirect("/elsewhere/client.json");
            return Task.CompletedTask;
        };

        Assert.False(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(1, documents.Requests);
        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
    }

    [Fact]
    public async Task Authorize_WithinMaxAge_FetchesOnceAndAgainAfterExpiry()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed with { TimeProvider = time }, CancellationToken);
        documents.ServeJson(documents.Document("Agent v1"), cacheControl: "public, max-age=600");

        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));
        documents.ServeJson(documents.Document("Agent v2", ["http://127.0.0.1/v2/callback"]), cacheControl: "max-age=600");
        time.Advance(TimeSpan.FromSeconds(599));
        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(1, documents.Requests);
        Assert.Equal("Agent v1", (await host.FindAsync(documents.DocumentUrl, CancellationToken))!.DisplayName);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(2, documents.Requests);
        var updated = (await host.FindAsync(documents.DocumentUrl, CancellationToken))!;
        Assert.Equal("Agent v2", updated.DisplayName);
        Assert.Equal(["http://127.0.0.1/v2/callback"], updated.RedirectUris.Select(u => u.OriginalString));
        Assert.Equal(1, await host.CountApplicationsAsync(CancellationToken));
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("no-cache")]
    [InlineData("max-age=0")]
    public async Task Authorize_DocumentNotCacheable_FetchedEveryTime(string cacheControl)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed with { TimeProvider = time }, CancellationToken);
        documents.ServeJson(documents.Document(), cacheControl);

        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));
        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(2, documents.Requests);
        Assert.Equal(1, await host.CountApplicationsAsync(CancellationToken));
    }

    [Fact]
    public async Task Authorize_MaxAgeAboveConfiguredMaximum_Capped()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(new()
        {
            TimeProvider = time,
            Configure = o => (o.AllowLoopbackMetadataDocuments, o.MetadataDocumentMaxCacheDuration) = (true, TimeSpan.FromMinutes(5)),
        }, CancellationToken);
        documents.ServeJson(documents.Document(), "max-age=86400");

        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));
        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(2, documents.Requests);
    }

    [Fact]
    public async Task Authorize_LoopbackDocumentsNotAllowed_NothingReachesTheServer()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);
        documents.ServeJson(documents.Document());
        var port = documents.BaseAddress.Port;

        // http is not a metadata document URL at all; an https IP literal is refused before any socket; a host name
        // that resolves to loopback is refused by the connect callback, before a TCP connection.
        Assert.False(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));
        Assert.False(await host.AuthorizeSeesClientAsync($"https://127.0.0.1:{port}/oauth/client.json", CancellationToken));
        Assert.False(await host.AuthorizeSeesClientAsync($"https://[::1]:{port}/oauth/client.json", CancellationToken));
        Assert.False(await host.AuthorizeSeesClientAsync($"https://localhost:{port}/oauth/client.json", CancellationToken));

        Assert.Equal(0, documents.Connections);
        Assert.Equal(0, documents.Requests);
        Assert.Equal(0, await host.CountApplicationsAsync(CancellationToken));
        Assert.True(host.Logs.Contains("loopback, private or reserved address"));
        Assert.True(host.Logs.Contains("non-public addresses"));
    }

    [Theory]
    [InlineData("https://agent.example/")]
    [InlineData("https://agent.example")]
    [InlineData("https://agent.example/a/../client.json")]
    [InlineData("https://agent.example/client.json#x")]
    [InlineData("https://user@agent.example/client.json")]
    public async Task Authorize_MalformedClientIdUrl_RefusedWithoutFetch(string clientId)
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);

        Assert.False(await host.AuthorizeSeesClientAsync(clientId, CancellationToken));

        Assert.True(host.Logs.Contains("was not resolved from its metadata document"));
        Assert.False(host.Logs.Contains("is not used"));
    }

    [Fact]
    public async Task Authorize_ConfiguredClientWithUrlId_LeftUntouched()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed, CancellationToken);
        documents.ServeJson(documents.Document("Impostor"));
        await host.WithApplicationsAsync(async applications => await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = documents.DocumentUrl,
            ClientType = ClientTypes.Public,
            DisplayName = "Configured",
            RedirectUris = { new Uri("https://operator.example/cb") },
        }, CancellationToken));

        Assert.True(await host.AuthorizeSeesClientAsync(documents.DocumentUrl, CancellationToken));

        Assert.Equal(0, documents.Requests);
        Assert.Equal("Configured", (await host.FindAsync(documents.DocumentUrl, CancellationToken))!.DisplayName);
    }

    [Fact]
    public async Task Authorize_OrdinaryClientId_IgnoredByMiddleware()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(LoopbackAllowed, CancellationToken);

        Assert.False(await host.AuthorizeSeesClientAsync("3f2a9c", CancellationToken));

        Assert.Equal(0, documents.Requests);
        Assert.DoesNotContain(host.Logs.Messages, m => m.Contains("metadata document", StringComparison.Ordinal));
    }
}
