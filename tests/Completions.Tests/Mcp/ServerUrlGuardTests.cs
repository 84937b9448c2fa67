using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.Completions.Tests.Mcp;

public sealed class ServerUrlGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    public void IsPublic_NonPublicAddresses_AreRefused(string address) =>
        Assert.False(ServerUrlGuard.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("1.1.1.1")]
    [InlineData("2606:4700:4700::1111")]
    public void IsPublic_PublicAddresses_AreAllowed(string address) =>
        Assert.True(ServerUrlGuard.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://127.0.0.1:{port}/mcp")]
    [InlineData("http://localhost:{port}/mcp")]
    [InlineData("http://[::1]:{port}/mcp")]
    public async Task Request_ServerOnLoopback_IsRefusedWith400NamingTheUrl(string template)
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.AllowPrivateNetworkServers = false);
        var url = template.Replace("{port}", h.Mcp.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        using var response = await h.PostAsync(CompletionsHarness.Body("go", stream: true, new JsonObject { ["type"] = "mcp", ["server_url"] = url }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["error"]!;
        Assert.Contains(new Uri(url).AbsoluteUri, (string)error["message"]!);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal("tools[0].server_url", (string?)error["param"]);
        Assert.Equal("mcp_server_url_not_allowed", (string?)error["code"]);
        Assert.Equal(0, h.Llm.RequestCount);
        Assert.Empty(h.Mcp.Calls);
        Assert.Equal(0, h.Mcp.ListToolsCount);
    }

    [Fact]
    public async Task ConnectCallback_RefusesLoopbackEvenWhenTheEarlyCheckIsPassed()
    {
        // The callback is the check at dial time, so a DNS answer that changed after the first check is refused too.
        using var handler = new SocketsHttpHandler { ConnectCallback = ServerUrlGuard.ConnectToPublicAddressAsync };
        using var client = new HttpClient(handler);
        await using var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(llm.BaseUrl, "models"), TestContext.Current.CancellationToken));

        Assert.Contains("non-public", ex.ToString());
        Assert.Equal(0, llm.RequestCount);
    }
}
