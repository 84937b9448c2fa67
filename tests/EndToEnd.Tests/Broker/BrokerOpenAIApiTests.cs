using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Broker;

/// <summary>An app's end users through <c>/v1</c> with the real broker: their own logins, and a stream that waits for one.</summary>
public sealed partial class BrokerOpenAIApiTests
{
    [Fact]
    public async Task AppEndUser_GetsTheirOwnLink_LogsIn_AndAWaitingStreamGoesOnByItself()
    {
        await using var h = await BrokerHarness.StartAsync();
        var customer = await h.AddUserAsync("customer");
        var token = await AppTokenAsync(h);

        // A plain request: the link belongs to this end user of the app.
        using var first = await PostAsync(h, token, Body(h, "customer-42"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var answer = (await first.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        var link = new Uri((string)answer["mcp_login_required"]![0]!["url"]!);
        Assert.Equal(0, h.Llm.RequestCount);

        // The same request, streamed and waiting: the link comes first, the login happens meanwhile, the answer follows.
        var waiting = Body(h, "customer-42");
        waiting["stream"] = true;
        waiting["mcp_wait_for_login"] = 120;
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonContent.Create(waiting) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var http = h.Main.CreateHttpClient();
        using var stream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        var received = new StringBuilder();
        Uri? streamedLink = null;
        while (streamedLink is null && await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            received.AppendLine(line);
            if (LinkInStream().Match(received.ToString()) is { Success: true } match)
            {
                streamedLink = new Uri(match.Value);
            }
        }

        Assert.NotNull(streamedLink);
        Assert.NotEqual(link, streamedLink);
        var (status, _) = await h.LogInThroughLinkAsync(streamedLink, customer);
        Assert.Equal(HttpStatusCode.OK, status);
        received.Append(await reader.ReadToEndAsync(TestContext.Current.CancellationToken));

        var lines = received.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("data: [DONE]", lines);
        var content = string.Concat(lines
            .Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => (string?)JsonNode.Parse(l["data: ".Length..])!["choices"]![0]!["delta"]!["content"]));
        Assert.Contains("Waiting up to 2 minutes", content, StringComparison.Ordinal);
        Assert.Contains("list_agent_tasks", content, StringComparison.Ordinal);
        Assert.EndsWith("Listed your tasks.", content, StringComparison.Ordinal);
        Assert.Equal(2, h.Llm.RequestCount);

        // Another end user of the same app is not logged in by it; the first one stays logged in.
        using var other = await PostAsync(h, token, Body(h, "customer-43"));
        Assert.NotNull((await other.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["mcp_login_required"]);
        using var again = await PostAsync(h, token, Body(h, "customer-42"));
        Assert.Null((await again.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["mcp_login_required"]);
    }

    [Fact]
    public async Task AppWithAVerificationUrl_StoresALoginOnlyWhenTheAppConfirmsItsEndUser()
    {
        await using var h = await BrokerHarness.StartAsync();
        var person = await h.AddUserAsync("person");
        var (clientId, secret) = await AppClients.AddAsync(h.Main, "Verifying app");
        Assert.Equal(0, (await ServerProcess.RunCommandAsync(h.Main.Database, ["clients", "verification-url", clientId, "https://app.example/logins/done"])).ExitCode);

        var token = await AppClients.TokenAsync(h.Main, clientId, secret);

        // customer-42's link completed by whoever it reached: the app, asked who is in that browser, names someone else.
        var flowId = await LogInToTheVerificationUrlAsync(h, await LinkForAsync(h, token, "customer-42"), person);
        Assert.Equal(HttpStatusCode.Unauthorized, (await VerifyAsync(h, clientId, "wrong-secret", flowId, "customer-42")).Status);
        var (refused, refusal) = await VerifyAsync(h, clientId, secret, flowId, "customer-7");
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal("refused", (string?)refusal["status"]);
        Assert.Equal(HttpStatusCode.NotFound, (await VerifyAsync(h, clientId, secret, flowId, "customer-42")).Status);
        var stillNeeded = await LinkForAsync(h, token, "customer-42");

        // The app confirms its user: now the login counts, for that user only.
        flowId = await LogInToTheVerificationUrlAsync(h, stillNeeded, person);
        var (confirmed, answer) = await VerifyAsync(h, clientId, secret, flowId, "customer-42");
        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.Equal("connected", (string?)answer["status"]);
        Assert.Equal(h.Downstream.McpUrl.AbsoluteUri, (string?)answer["server_url"]);
        using var after = await PostAsync(h, token, Body(h, "customer-42"));
        Assert.Null((await after.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["mcp_login_required"]);
    }

    private static async Task<Uri> LinkForAsync(BrokerHarness h, string token, string user)
    {
        using var response = await PostAsync(h, token, Body(h, user));
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        return new Uri((string)answer["mcp_login_required"]![0]!["url"]!);
    }

    /// <summary>Opens the link, logs in at the downstream, and follows the callback to the app's verification URL; returns its flow id.</summary>
    private static async Task<string> LogInToTheVerificationUrlAsync(BrokerHarness h, Uri link, BrokerUser person)
    {
        using var browser = new Browser(h.Downstream.BaseUrl);
        var callback = await browser.AuthorizeAsync(link, person.DownstreamEmail, BrokerHarness.Password);
        var verification = await browser.LocationOfAsync(callback);
        Assert.Equal("https://app.example/logins/done", verification.GetLeftPart(UriPartial.Path));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(verification.Query)["flow_id"].ToString();
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body)> VerifyAsync(BrokerHarness h, string clientId, string secret, string flowId, string user)
    {
        using var http = h.Main.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connections/verify")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["flow_id"] = flowId, ["user"] = user }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes($"{clientId}:{secret}")));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!);
    }

    private static JsonObject Body(BrokerHarness h, string user) => new()
    {
        ["model"] = "fake-model",
        ["user"] = user,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "List my tasks." }),
        ["tools"] = new JsonArray(new JsonObject { ["type"] = "mcp", ["server_url"] = h.Downstream.McpUrl.AbsoluteUri }),
    };

    private static async Task<HttpResponseMessage> PostAsync(BrokerHarness h, string token, JsonObject body)
    {
        using var http = h.Main.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<string> AppTokenAsync(BrokerHarness h)
    {
        var (clientId, secret) = await AppClients.AddAsync(h.Main, "Support app");
        return await AppClients.TokenAsync(h.Main, clientId, secret);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/connections/login/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkInStream();
}
