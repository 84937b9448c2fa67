using System.Net;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Hosting;

/// <summary>The MCP Inspector runs in a browser on another origin: CORS must let it reach discovery, registration, token and /mcp.</summary>
public sealed class BrowserClientTests
{
    private const string InspectorOrigin = "http://localhost:6274";

    [Theory]
    [InlineData(".well-known/oauth-authorization-server", "GET")]
    [InlineData(".well-known/oauth-protected-resource/mcp", "GET")]
    [InlineData("connect/register", "POST")]
    [InlineData("connect/token", "POST")]
    [InlineData("mcp", "POST")]
    public async Task Preflight_FromTheInspector_IsAllowed(string path, string method)
    {
        await using var host = await SubAgentHost.StartAsync();
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", InspectorOrigin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,mcp-protocol-version");

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains(method, response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unauthorized_FromABrowser_ExposesTheChallenge()
    {
        await using var host = await SubAgentHost.StartAsync();
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "mcp") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Origin", InspectorOrigin);

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("WWW-Authenticate", response.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Cors_NeverAllowsCredentials()
    {
        await using var host = await SubAgentHost.StartAsync();
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "account/login");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        // Without Allow-Credentials a foreign page cannot read anything the session cookie unlocks.
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }
}
