using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>
/// The server with the credentials that get a malformed request past authentication to the code that reads it: an
/// app's bearer token, a person's session cookie for the chat page's API, and a conversation of that person.
/// </summary>
internal sealed partial class FuzzingHarness : IAsyncDisposable
{
    private const string Email = "fuzz@example.com";

    private FuzzingHarness(OpenAIApiHarness api, ErrorLogCollector errors, string appToken, string cookie, string conversationId)
    {
        Api = api;
        Errors = errors;
        AppToken = appToken;
        Cookie = cookie;
        ConversationId = conversationId;
    }

    public OpenAIApiHarness Api { get; }

    /// <summary>The server's error log: an exception that reached the host is a bug even when the client saw a 4xx.</summary>
    public ErrorLogCollector Errors { get; }

    public Uri BaseUrl => Api.Host.BaseUrl;

    public string AppToken { get; }

    public string Cookie { get; }

    public string ConversationId { get; }

    public static async Task<FuzzingHarness> StartAsync()
    {
        // Throttling would answer 429 before the body is read, which is not what these tests are after.
        var errors = new ErrorLogCollector();
        var api = await OpenAIApiHarness.StartAsync(
            new Dictionary<string, string?>
            {
                ["IdentityProvider:Registration:PermitsPerMinutePerAddress"] = "100000",
                ["OpenAIApi:RequestsPerWindow"] = "100000",
            },
            services => services.AddSingleton<ILoggerProvider>(errors));
        var (clientId, secret) = await api.AddAppAsync("fuzzer");
        var appToken = await api.AppTokenAsync(clientId, secret);
        await api.Host.CreateUserAsync(Email, OpenAIApiHarness.Password);
        var cookie = await SignInAsync(api, Email);
        var harness = new FuzzingHarness(api, errors, appToken, cookie, "");
        var created = await harness.SendAsync(harness.ChatApi("POST", "/api/chat/conversations", "application/json", "{\"title\":\"fuzz\"}"u8.ToArray()));
        Assert.True(created.Status == 201, created.Body);
        return new FuzzingHarness(api, errors, appToken, cookie, (string)JsonNode.Parse(created.Body)!["id"]!);
    }

    public Task<RawHttpResponse> SendAsync(RawHttpRequest request) =>
        RawHttpResponse.SendAsync(BaseUrl, request, TestContext.Current.CancellationToken);

    /// <summary>A request with the host header and, for the given kind of endpoint, the credentials it needs.</summary>
    public RawHttpRequest Request(string method, string target, string? contentType, byte[] body, string? bearer = null, string? cookie = null) =>
        new(method, target)
        {
            Headers =
            [
                ("Host", $"127.0.0.1:{BaseUrl.Port}"),
                .. contentType is null ? [] : new[] { ("Content-Type", contentType) },
                .. bearer is null ? [] : new[] { ("Authorization", "Bearer " + bearer) },
                .. cookie is null ? [] : new[] { ("Cookie", cookie), ("X-Requested-With", "McpSubAgent"), ("Sec-Fetch-Site", "same-origin") },
            ],
            Body = body,
        };

    public RawHttpRequest V1(string method, string target, string? contentType, byte[] body) => Request(method, target, contentType, body, bearer: AppToken);

    public RawHttpRequest Mcp(string method, string? contentType, byte[] body) =>
        Request(method, "/mcp", contentType, body, bearer: AppToken) with
        {
            Headers = [.. Request(method, "/mcp", contentType, body, bearer: AppToken).Headers, ("Accept", "application/json, text/event-stream")],
        };

    public RawHttpRequest ChatApi(string method, string target, string? contentType, byte[] body) => Request(method, target, contentType, body, cookie: Cookie);

    /// <summary>The server still answers: health, a token, and a completion's validation.</summary>
    public async Task AssertHealthyAsync()
    {
        using var http = Api.Host.CreateHttpClient();
        using var health = await http.GetAsync("healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var models = await Api.GetAsync(AppToken, "v1/models");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        var chat = await SendAsync(ChatApi("GET", "/api/chat/conversations", null, []));
        Assert.Equal(200, chat.Status);
    }

    public ValueTask DisposeAsync() => Api.DisposeAsync();

    private static async Task<string> SignInAsync(OpenAIApiHarness api, string email)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = api.Host.BaseUrl };
        var cancellationToken = TestContext.Current.CancellationToken;
        var page = await http.GetStringAsync("account/login?ReturnUrl=%2F", cancellationToken);
        using var response = await http.PostAsync("account/login?ReturnUrl=%2F", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = OpenAIApiHarness.Password,
            ["ReturnUrl"] = "/",
            ["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value,
        }), cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return cookies.GetCookieHeader(api.Host.BaseUrl);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
