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
    [InlineData("::127.0.0.1")]
    [InlineData("::169.254.169.254")]
    [InlineData("2002:7f00:1::")]
    [InlineData("2002:a9fe:a9fe::1")]
    [InlineData("64:ff9b::169.254.169.254")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    [InlineData("fe80::1%1")]
    public void IsPublic_NonPublicAddresses_AreRefused(string address) =>
        Assert.False(PublicAddressGuard.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("1.1.1.1")]
    [InlineData("2606:4700:4700::1111")]
    // Just outside the special-purpose ranges.
    [InlineData("1.0.0.0")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("192.0.1.255")]
    [InlineData("192.0.3.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("198.51.99.255")]
    [InlineData("203.0.114.0")]
    [InlineData("223.255.255.255")]
    [InlineData("2001:200::1")]
    [InlineData("2001:db9::1")]
    [InlineData("2a00:1450:4001::200e")]
    [InlineData("3ffe:ffff::1")]
    // Embedded forms are as public as the IPv4 address they lead to.
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("::8.8.8.8")]
    [InlineData("64:ff9b::8.8.8.8")]
    [InlineData("2002:808:808::1")]
    public void IsPublic_PublicAddresses_AreAllowed(string address) =>
        Assert.True(PublicAddressGuard.IsPublic(IPAddress.Parse(address)));

    [Theory]
    // IANA IPv4 special-purpose address registry, and the blocks it leaves to other registries.
    [InlineData("0.0.0.0/8")]
    [InlineData("10.0.0.0/8")]
    [InlineData("100.64.0.0/10")]
    [InlineData("127.0.0.0/8")]
    [InlineData("169.254.0.0/16")]
    [InlineData("172.16.0.0/12")]
    [InlineData("192.0.0.0/24")]
    [InlineData("192.0.0.0/29")]
    [InlineData("192.0.0.170/31")]
    [InlineData("192.0.2.0/24")]
    [InlineData("192.88.99.0/24")]
    [InlineData("192.168.0.0/16")]
    [InlineData("198.18.0.0/15")]
    [InlineData("198.51.100.0/24")]
    [InlineData("203.0.113.0/24")]
    [InlineData("224.0.0.0/4")]
    [InlineData("233.252.0.0/24")]
    [InlineData("240.0.0.0/4")]
    [InlineData("255.255.255.255/32")]
    // IANA IPv6 special-purpose address registry, deprecated blocks, and all that is not global unicast.
    [InlineData("::/128")]
    [InlineData("::1/128")]
    [InlineData("::/8")]
    [InlineData("64:ff9b:1::/48")]
    [InlineData("100::/64")]
    [InlineData("100:0:0:1::/64")]
    [InlineData("2001::/23")]
    [InlineData("2001::/32")]
    [InlineData("2001:2::/48")]
    [InlineData("2001:10::/28")]
    [InlineData("2001:20::/28")]
    [InlineData("2001:db8::/32")]
    [InlineData("3fff::/20")]
    [InlineData("5f00::/16")]
    [InlineData("fc00::/7")]
    [InlineData("fe80::/10")]
    [InlineData("fec0::/10")]
    [InlineData("ff00::/8")]
    [InlineData("4000::/2")]
    [InlineData("8000::/1")]
    // Embedded IPv4 forms whose IPv4 address is not public: IPv4-mapped, IPv4-compatible, NAT64, 6to4.
    [InlineData("::ffff:127.0.0.0/104")]
    [InlineData("::ffff:10.0.0.0/104")]
    [InlineData("::127.0.0.0/104")]
    [InlineData("::169.254.0.0/112")]
    [InlineData("::10.0.0.0/104")]
    [InlineData("64:ff9b::127.0.0.0/104")]
    [InlineData("64:ff9b::169.254.0.0/112")]
    [InlineData("64:ff9b::c0a8:0/112")]
    [InlineData("2002:7f00::/24")]
    [InlineData("2002:a9fe::/32")]
    [InlineData("2002:c0a8::/32")]
    [InlineData("2002:a00::/24")]
    public void IsPublic_FirstAndLastAddressOfSpecialPurposeRange_AreRefused(string range)
    {
        var network = System.Net.IPNetwork.Parse(range);
        var last = network.BaseAddress.GetAddressBytes();
        for (var bit = network.PrefixLength; bit < last.Length * 8; bit++)
        {
            last[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        Assert.False(PublicAddressGuard.IsPublic(network.BaseAddress), $"{network.BaseAddress} in {range}");
        Assert.False(PublicAddressGuard.IsPublic(new IPAddress(last)), $"{new IPAddress(last)} in {range}");
    }

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
        using var handler = new SocketsHttpHandler { ConnectCallback = PublicAddressGuard.ConnectAsync };
        using var client = new HttpClient(handler);
        await using var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(llm.BaseUrl, "models"), TestContext.Current.CancellationToken));

        Assert.Contains("non-public", ex.ToString());
        Assert.Equal(0, llm.RequestCount);
    }

    [Fact]
    public async Task ConnectCallback_RedirectToARefusedAddress_IsRefusedOnTheRedirect()
    {
        // Only 127.0.0.2 is refused here, so the first hop (127.0.0.1) connects and its redirect is the one checked.
        var refused = IPAddress.Parse("127.0.0.2");
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = (context, ct) => PublicAddressGuard.ConnectToAllowedAddressAsync(context, a => !a.Equals(refused), ct),
        };
        using var client = new HttpClient(handler);
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = AnswerOneRequestWithRedirectAsync(listener, $"http://127.0.0.2:{port}/elsewhere", TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{port}/start", TestContext.Current.CancellationToken));

        Assert.Contains("Connecting to 127.0.0.2 was refused", ex.ToString());
        Assert.Equal("GET /start HTTP/1.1", await server);
    }

    private static async Task<string> AnswerOneRequestWithRedirectAsync(System.Net.Sockets.TcpListener listener, string location, CancellationToken cancellationToken)
    {
        using var socket = await listener.AcceptSocketAsync(cancellationToken);
        await using var stream = new System.Net.Sockets.NetworkStream(socket);
        using var reader = new StreamReader(stream, leaveOpen: true);
        var requestLine = await reader.ReadLineAsync(cancellationToken) ?? "";
        while (!string.IsNullOrEmpty(await reader.ReadLineAsync(cancellationToken)))
        {
        }

        var response = $"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(response), cancellationToken);
        return requestLine;
    }
}
