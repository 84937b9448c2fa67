using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.Operations;

/// <summary>Three replicas of the server behind one public URL, sharing one PostgreSQL database and one Redis.</summary>
public sealed class ReplicaTests
{
    private const string Password = "Replica-Caller-1";

    [Fact]
    public async Task ThreeReplicas_TokenOfOneAcceptedByAll_AndTheRequestLimitCountsAcrossThem()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var redis = await TestContext.Current.GetFixture<RedisServer>() ?? throw new InvalidOperationException("No Redis fixture.");
        var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        llm.Responder = _ => LlmReply.Text("ok");
        var port = FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["PublicBaseUrl"] = $"http://127.0.0.1:{port}/",
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            ["Completions:DefaultModel"] = "fake-model",
            ["OpenAIApi:RequestsPerWindow"] = "4",
            ["OpenAIApi:RateLimitWindow"] = "00:10:00",
            ["Redis:Configuration"] = await redis.ConfigurationAsync(cancellationToken),
        };
        await using var first = await SubAgentHost.StartAsync(database, settings, port: port);
        await using var second = await SubAgentHost.StartAsync(database, settings);
        await using var third = await SubAgentHost.StartAsync(database, settings);
        SubAgentHost[] replicas = [first, second, third];

        // Signed in at the first replica.
        await first.CreateUserAsync("replica-caller@example.com", Password);
        using var oauth = new OAuthTestClient(first);
        var (_, tokens) = await oauth.LogInAsync("replica-caller@example.com", Password);
        var token = (string)tokens["access_token"]!;

        // Four requests, round-robin: every replica accepts the token, and the window's four are used up together.
        for (var i = 0; i < 4; i++)
        {
            using var allowed = await PostAsync(replicas[i % 3], token);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        foreach (var replica in replicas)
        {
            using var limited = await PostAsync(replica, token);
            Assert.Equal("rate_limit_exceeded", (string?)(await OpenAIApiHarness.AssertErrorAsync(limited, HttpStatusCode.TooManyRequests))["code"]);
        }

        Assert.Equal(4, llm.RequestCount);
    }

    private static async Task<HttpResponseMessage> PostAsync(SubAgentHost host, string token)
    {
        var body = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) };
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
