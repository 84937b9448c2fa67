using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.IdentityProvider.ClientRegistration;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.Tests.Registration;

public sealed class LoopbackRedirectUriApplicationManagerTests
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("http://127.0.0.1/callback", true)]
    [InlineData("http://127.0.0.1:49152/callback", true)]
    [InlineData("http://127.0.0.1:80/callback", true)]
    [InlineData("http://127.0.0.1:49152/other", false)]
    [InlineData("http://127.0.0.1:49152/callback/", false)]
    [InlineData("http://127.0.0.1:49152/callback?x=1", false)]
    [InlineData("http://127.0.0.1:49152/callback#x", false)]
    [InlineData("http://user@127.0.0.1:49152/callback", false)]
    [InlineData("http://localhost:49152/callback", false)] // another host name, even if it resolves to the same address
    [InlineData("http://evil.example/callback", false)]
    [InlineData("http://evil.example:49152/callback", false)]
    [InlineData("https://127.0.0.1:49152/callback", false)]
    [InlineData("http://localhost:3334/oauth/callback", true)]
    [InlineData("http://localhost:50000/oauth/callback", true)]
    [InlineData("http://[::1]:50000/cb", true)]
    [InlineData("https://app.example/cb", true)]
    [InlineData("https://app.example:8443/cb", false)]
    [InlineData("https://app.example/cb?x=1", false)]
    [InlineData("https://APP.example/cb", false)]
    [InlineData("cursor://anysphere.cursor-mcp/oauth/callback", true)]
    [InlineData("cursor://anysphere.cursor-mcp/oauth/callback2", false)]
    public async Task ValidateRedirectUri_LoopbackRegistered_AnyPortMatchesElseExact(string requested, bool expected)
    {
        await using var host = await RegistrationTestHost.StartAsync(cancellationToken: CancellationToken);

        var valid = await host.WithApplicationsAsync(async applications =>
        {
            var application = await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = "native-client",
                ClientType = ClientTypes.Public,
                ApplicationType = ApplicationTypes.Native,
                RedirectUris =
                {
                    new Uri("http://127.0.0.1/callback"),
                    new Uri("http://localhost:3334/oauth/callback"),
                    new Uri("http://[::1]/cb"),
                    new Uri("https://app.example/cb"),
                    new Uri("cursor://anysphere.cursor-mcp/oauth/callback"),
                },
            }, CancellationToken);
            return await applications.ValidateRedirectUriAsync(application, requested, CancellationToken);
        });

        Assert.Equal(expected, valid);
    }

    [Fact]
    public async Task Authorize_VsCodeRegisteredByDcrOnRandomPort_AcceptedByOpenIddict()
    {
        await using var host = await RegistrationTestHost.StartAsync(new() { AuthorizationServer = true }, CancellationToken);
        using var registration = await host.Client.PostAsync("connect/register",
            new StringContent(RealClientRegistrations.VsCode, Encoding.UTF8, "application/json"), CancellationToken);
        var clientId = (await registration.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!["client_id"]!.GetValue<string>();

        using var accepted = await AuthorizeAsync(host, clientId, "http://127.0.0.1:49152/");
        using var otherPath = await AuthorizeAsync(host, clientId, "http://127.0.0.1:49152/steal");
        using var otherHost = await AuthorizeAsync(host, clientId, "http://evil.example:33418/");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.True((await accepted.Content.ReadFromJsonAsync<JsonObject>(CancellationToken))!["exists"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.BadRequest, otherPath.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, otherHost.StatusCode);
    }

    [Fact]
    public async Task Authorize_MetadataDocumentClient_AcceptedByOpenIddict()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(
            new() { AuthorizationServer = true, Configure = o => o.AllowLoopbackMetadataDocuments = true }, CancellationToken);
        documents.ServeJson(documents.Document("Example Agent", ["http://127.0.0.1/callback"]));

        using var accepted = await AuthorizeAsync(host, documents.DocumentUrl, "http://127.0.0.1:50123/callback");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Authorize_MetadataDocumentNamingAnotherClient_RejectedByOpenIddict()
    {
        await using var documents = await MetadataDocumentServer.StartAsync(CancellationToken);
        await using var host = await RegistrationTestHost.StartAsync(
            new() { AuthorizationServer = true, Configure = o => o.AllowLoopbackMetadataDocuments = true }, CancellationToken);
        documents.ServeJson(documents.Document(clientId: "https://agent.example/client.json"));

        using var rejected = await AuthorizeAsync(host, documents.DocumentUrl, "http://127.0.0.1:50123/callback");

        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        // At the authorization endpoint OpenIddict reports an unknown client as invalid_request about client_id.
        Assert.Contains("'client_id' is invalid", await rejected.Content.ReadAsStringAsync(CancellationToken), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> AuthorizeAsync(RegistrationTestHost host, string clientId, string redirectUri)
    {
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var query = string.Join("&", new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = "mcp",
            ["state"] = "xyz",
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        }.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
        return host.Client.GetAsync("connect/authorize?" + query, CancellationToken);
    }
}
