using System.Diagnostics;
using System.Net;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.EndToEnd.Tests.Conformance;

/// <summary>
/// The official MCP conformance suite's server scenarios against /mcp. The suite sends no token, so a loopback proxy
/// adds a real one from our IdP and passes everything else on unchanged, Host and Origin included.
/// </summary>
public sealed class ServerConformanceTests
{
    [Theory]
    [InlineData("server-initialize")]
    [InlineData("ping")]
    [InlineData("tools-list")]
    [InlineData("dns-rebinding-protection")]
    public async Task ConformanceSuite_ServerScenario_Passes(string scenario)
    {
        var (node, cli) = ConformanceSuite.Locate();
        await using var target = await ProxiedServer.StartAsync();

        var (exitCode, output) = await ConformanceSuite.RunAsync(node, cli, "server", "--url", target.McpUrl.AbsoluteUri, "--scenario", scenario);

        Assert.True(exitCode == 0 && !output.Contains("FAILURE", StringComparison.Ordinal), output);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(output, @"Passed: [1-9]\d*/[1-9]\d*, 0 failed"), output);
    }


    [Fact]
    public async Task ConformanceSuite_ActiveServerSuite_FailsOnlyWhereExpected()
    {
        var (node, cli) = ConformanceSuite.Locate();
        await using var target = await ProxiedServer.StartAsync();
        var expected = SourceTree.Path("tests", "EndToEnd.Tests", "Conformance", "server-expected-failures.yaml");

        var (exitCode, output) = await ConformanceSuite.RunAsync(node, cli, "server", "--url", target.McpUrl.AbsoluteUri, "--expected-failures", expected);

        Assert.True(exitCode == 0, output);
    }

    private static async Task<Proxy> StartProxyAsync(Uri target, string token)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
        app.Run(async context =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString));
            if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                request.Content = new StreamContent(context.Request.Body);
            }

            foreach (var (name, values) in context.Request.Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }

            request.Headers.Host = context.Request.Host.Value;
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!string.Equals(name, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Proxy(app, http, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>The server with a signed-in user, behind the token-adding proxy.</summary>
    private sealed record ProxiedServer(SubAgentHost Host, Proxy Proxy) : IAsyncDisposable
    {
        public Uri McpUrl => new(Proxy.Url, "mcp");

        public static async Task<ProxiedServer> StartAsync()
        {
            // A fixed origin, so that tokens stay valid whichever port (the proxy's) the Host header names.
            var port = ConformanceSuite.FreePort();
            var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?> { ["PublicBaseUrl"] = $"http://127.0.0.1:{port}/" }, port: port);
            await host.CreateUserAsync("suite@example.com", "Conformance-Server-1");
            using var oauth = new OAuthTestClient(host);
            var token = (string)(await oauth.LogInAsync("suite@example.com", "Conformance-Server-1")).Tokens["access_token"]!;
            return new ProxiedServer(host, await StartProxyAsync(host.BaseUrl, token));
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Host.DisposeAsync();
        }
    }

    private sealed record Proxy(WebApplication App, HttpClient Http, Uri Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            Http.Dispose();
        }
    }
}
