using McpSubAgent.EndToEnd.Tests.Infrastructure;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;

namespace McpSubAgent.EndToEnd.Tests.IdentityProvider;

/// <summary>Independent clients log in to /mcp through discovery, registration, our login page and our consent page.</summary>
public sealed class McpClientLoginTests
{
    private const string Email = "ada@example.com";
    private const string Password = "Analytical-Engine-1843";

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task McpSdkClient_DynamicRegistrationLoginAndConsent_Connects(string provider)
    {
        await using var host = await SubAgentHost.StartAsync(await TestDatabase.CreateAsync(provider));
        await host.CreateUserAsync(Email, Password);
        using var browser = new Browser(host.BaseUrl);
        using var http = new HttpClient();
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = host.McpUrl,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri("http://127.0.0.1:49152/callback"),
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "SDK test client" },
                AuthorizationCallbackHandler = async (context, _) =>
                {
                    var final = await browser.AuthorizeAsync(context.AuthorizationUri, Email, Password);
                    Assert.StartsWith(context.RedirectUri.AbsoluteUri, final.AbsoluteUri, StringComparison.Ordinal);
                    var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(final.Query);

                    // RFC 9207: the SDK checks that the code came from the issuer it asked.
                    return new AuthorizationResult { Code = query["code"].ToString(), State = query["state"].ToString(), Iss = query["iss"].ToString() };
                },
            },
        }, http);

        await using var client = await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
        // The authenticated handshake is done; the tools of /mcp are another issue's.
        Assert.Equal("McpSubAgent", client.ServerInfo?.Name);
        var consent = Assert.Single(browser.ConsentPages);
        Assert.Contains("SDK test client", consent);
        Assert.Contains("127.0.0.1:49152", consent);
        Assert.Contains("not verified", consent);
        Assert.Equal(1, browser.LoginPagesSeen);
    }
}
