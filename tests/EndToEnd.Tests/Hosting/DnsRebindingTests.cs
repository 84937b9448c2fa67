using System.Net;
using System.Text;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Hosting;

/// <summary>A page on another site whose name resolves to this machine must not reach /mcp, even with a token.</summary>
public sealed class DnsRebindingTests
{
    private static async Task<HttpStatusCode> PingAsync(SubAgentHost host, string token, string? hostHeader, string? origin)
    {
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new("Bearer", token);
        if (hostHeader is not null)
        {
            request.Headers.Host = hostHeader;
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    [Fact]
    public async Task Mcp_ForeignHostOrOrigin_IsRefusedEvenWithAValidToken()
    {
        await using var host = await SubAgentHost.StartAsync();
        await host.CreateUserAsync("dns@example.com", "Rebinding-Guard-1");
        using var client = new OAuthTestClient(host);
        var token = (string)(await client.LogInAsync("dns@example.com", "Rebinding-Guard-1")).Tokens["access_token"]!;
        var port = host.BaseUrl.Port;

        Assert.Equal(HttpStatusCode.OK, await PingAsync(host, token, hostHeader: null, origin: null));
        Assert.Equal(HttpStatusCode.OK, await PingAsync(host, token, hostHeader: null, "http://localhost:6274"));
        Assert.Equal(HttpStatusCode.Forbidden, await PingAsync(host, token, $"evil.example.com:{port}", null));
        Assert.Equal(HttpStatusCode.Forbidden, await PingAsync(host, token, null, "http://evil.example.com"));
        Assert.Equal(HttpStatusCode.Forbidden, await PingAsync(host, token, $"evil.example.com:{port}", "http://evil.example.com"));
    }

    [Fact]
    public async Task Mcp_WithPublicBaseUrl_AcceptsOnlyThatHost()
    {
        await using var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?> { ["PublicBaseUrl"] = "https://agents.example.com" });
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "mcp") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };

        // Addressed to 127.0.0.1 while the server is agents.example.com: refused before authentication.
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
