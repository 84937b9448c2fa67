using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.Broker;
using McpSubAgent.Testing.Llm;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.UrlContext;

/// <summary>
/// A page behind a login: the downstream server (our own, with its own IdP) serves a handbook under its protected
/// resource <c>/mcp</c> that answers 401 with RFC 9728 metadata unless the request carries one of its access tokens.
/// The main server's broker logs the person in to it exactly as to an MCP server.
/// </summary>
public sealed partial class UrlContextLoginTests
{
    [Fact]
    public async Task RunAgent_LoginGatedPage_FirstRunGivesALink_AfterTheLoginTheNextRunReadsItWithTheToken()
    {
        var handbook = new ProtectedHandbook();
        await using var h = await BrokerHarness.StartAsync(
            mainSettings: new Dictionary<string, string?> { ["Completions:UrlContext:AllowedPrivateNetworks:0"] = "127.0.0.0/8" },
            downstreamServices: s => s.AddSingleton<IStartupFilter>(handbook));
        h.Llm.Responder = null;
        var user = await h.AddUserAsync("reader");
        var page = new Uri(h.Downstream.BaseUrl, ProtectedHandbook.Path);
        var arguments = new Dictionary<string, object?> { ["prompt"] = $"---\nurls: all\n---\nHow many holidays does {page} give?" };

        // First run: the site asks for a login; the person gets the broker's link and the model is not called.
        var first = await user.Client.CallToolAsync("run_agent", arguments, cancellationToken: TestContext.Current.CancellationToken);
        var firstResult = first.StructuredContent!.Value;
        Assert.Equal("auth_required", firstResult.GetProperty("status").GetString());
        var link = firstResult.GetProperty("login_links")[0];
        Assert.Equal(h.Downstream.McpUrl.AbsoluteUri, link.GetProperty("server_url").GetString());
        Assert.Contains("Login Required to Read Pages", BrokerHarness.Text(first), StringComparison.Ordinal);
        Assert.Equal(0, h.Llm.RequestCount);
        Assert.Equal(0, handbook.Served);

        var (status, _) = await h.LogInThroughLinkAsync(new Uri(link.GetProperty("url").GetString()!), user);
        Assert.Equal(HttpStatusCode.OK, status);

        // Next run: the page is fetched with the person's token for that resource, and its text reaches the model.
        h.Llm.Enqueue(LlmReply.Text("30 days."));
        var second = await user.Client.CallToolAsync("run_agent", arguments, cancellationToken: TestContext.Current.CancellationToken);
        var secondResult = second.StructuredContent!.Value;

        Assert.Equal("completed", secondResult.GetProperty("status").GetString());
        var sent = UrlContextTests.LastUserText(h.Llm.Requests[0]);
        Assert.Equal(1, handbook.Served);
        Assert.Contains("Holidays: 30 days a year.", sent, StringComparison.Ordinal);
        Assert.Contains($"<page url=\"{page}\"", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("---", sent, StringComparison.Ordinal);
        Assert.Contains("🔧 url_context (1 of 1 URL read)", BrokerHarness.Text(second), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletionStream_WaitForLogin_ShowsTheLinkAndReadsThePageOnceThePersonLoggedIn()
    {
        var handbook = new ProtectedHandbook();
        await using var h = await BrokerHarness.StartAsync(
            mainSettings: new Dictionary<string, string?> { ["Completions:UrlContext:AllowedPrivateNetworks:0"] = "127.0.0.0/8" },
            downstreamServices: s => s.AddSingleton<IStartupFilter>(handbook));
        h.Llm.Responder = null;
        h.Llm.Enqueue(LlmReply.Text("30 days."));
        var user = await h.AddUserAsync("waiter");
        using var oauth = new OAuthTestClient(h.Main);
        var (_, tokens) = await oauth.LogInAsync(user.MainEmail, BrokerHarness.Password);
        var page = new Uri(h.Downstream.BaseUrl, ProtectedHandbook.Path);
        var body = new JsonObject
        {
            ["stream"] = true,
            ["mcp_wait_for_login"] = 120,
            ["tools"] = new JsonArray(new JsonObject { ["type"] = "url_context" }),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"How many holidays does {page} give?" }),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (string)tokens["access_token"]!);
        using var http = h.Main.CreateHttpClient();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The link comes first; the person logs in while the stream waits; the page is then read and the model answers.
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        var received = new StringBuilder();
        Uri? link = null;
        while (link is null && await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            received.AppendLine(line);
            if (LoginLink().Match(received.ToString()) is { Success: true } match)
            {
                link = new Uri(match.Value);
            }
        }

        Assert.NotNull(link);
        Assert.Equal(0, h.Llm.RequestCount);
        var (status, _) = await h.LogInThroughLinkAsync(link, user);
        Assert.Equal(HttpStatusCode.OK, status);
        received.Append(await reader.ReadToEndAsync(TestContext.Current.CancellationToken));

        var content = string.Concat(received.ToString().Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => (string?)JsonNode.Parse(l["data: ".Length..])!["choices"]?[0]?["delta"]?["content"]));
        Assert.Contains("Login Required to Read Pages", content, StringComparison.Ordinal);
        Assert.Contains("Waiting up to 2 minutes", content, StringComparison.Ordinal);
        Assert.Contains("🔧 url_context (1 of 1 URL read)", content, StringComparison.Ordinal);
        Assert.EndsWith("30 days.", content, StringComparison.Ordinal);
        Assert.Equal(1, handbook.Served);
        Assert.Contains("Holidays: 30 days a year.", UrlContextTests.LastUserText(h.Llm.Requests[0]), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/connections/login/[A-Za-z0-9_-]{43}")]
    private static partial Regex LoginLink();

    /// <summary>
    /// The handbook page: a plain HTTP resource that accepts the downstream IdP's access tokens for its resource
    /// (validated by the host's own JWT bearer handler: signature, issuer, audience, revocation).
    /// </summary>
    private sealed class ProtectedHandbook : IStartupFilter
    {
        public const string Path = "mcp/docs/handbook.md";
        private int _served;

        public int Served => _served;

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            // Not app.Map: it would move the path into PathBase, and the issuer and resource are computed from it.
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path != "/" + Path)
                {
                    await nextMiddleware(context);
                    return;
                }

                var result = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
                if (!result.Succeeded)
                {
                    var origin = $"{context.Request.Scheme}://{context.Request.Host}";
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = $"Bearer resource_metadata=\"{origin}/.well-known/oauth-protected-resource/mcp\"";
                    return;
                }

                Interlocked.Increment(ref _served);
                context.Response.ContentType = "text/markdown";
                await context.Response.WriteAsync("# Handbook\n\nHolidays: 30 days a year.", context.RequestAborted);
            });
            next(app);
        };
    }
}
