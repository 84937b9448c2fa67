using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.EndToEnd.Tests.Tasks;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Tasks;
using McpSubAgent.Testing.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace McpSubAgent.EndToEnd.Tests.Operations;

/// <summary>
/// Three replicas of the server behind one public URL, sharing one PostgreSQL database (and one Redis for the limits);
/// where a replica must be killed (SIGKILL), it is a process of its own.
/// </summary>
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
        var port = LoopbackPort.Free();
        var settings = ReplicaSettings(port, llm);
        settings["OpenAIApi:RequestsPerWindow"] = "4";
        settings["OpenAIApi:RateLimitWindow"] = "00:10:00";
        settings["Redis:Configuration"] = await redis.ConfigurationAsync(cancellationToken);
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

    [Fact]
    public async Task TwoReplicas_RunsAtOnceOfAUser_CountAcrossThem()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var redis = await TestContext.Current.GetFixture<RedisServer>() ?? throw new InvalidOperationException("No Redis fixture.");
        var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        var firstCallArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        llm.Responder = _ =>
        {
            firstCallArrived.TrySetResult();
            return LlmReply.Text("ok") with { DelayBeforeHeaders = TimeSpan.FromSeconds(3) };
        };
        var port = LoopbackPort.Free();
        var settings = ReplicaSettings(port, llm);
        settings["Completions:MaxConcurrentRunsPerUser"] = "1";
        settings["Redis:Configuration"] = await redis.ConfigurationAsync(cancellationToken);
        await using var first = await SubAgentHost.StartAsync(database, settings, port: port);
        await using var second = await SubAgentHost.StartAsync(database, settings);
        await first.CreateUserAsync("replica-runs@example.com", Password);
        using var oauth = new OAuthTestClient(first);
        var (_, tokens) = await oauth.LogInAsync("replica-runs@example.com", Password);
        var token = (string)tokens["access_token"]!;

        // A run at the first replica holds the user's one slot while the model thinks...
        var running = PostAsync(first, token);
        await firstCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        // ...so the second replica refuses the user's next run, before it reaches the model.
        using (var refused = await PostAsync(second, token))
        {
            Assert.Equal("too_many_runs", (string?)(await OpenAIApiHarness.AssertErrorAsync(refused, HttpStatusCode.TooManyRequests))["code"]);
        }

        using (var finished = await running)
        {
            Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        }

        // The slot is given back in Redis when the run ends.
        using var next = await PostAsync(second, token);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(2, llm.RequestCount);
    }

    [Fact]
    public async Task RedisUnreachable_ChatCompletion_Gets503InOpenAIFormat_AndNothingRuns()
    {
        await using var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        var port = LoopbackPort.Free();
        var settings = ReplicaSettings(port, llm);
        settings["Redis:Configuration"] = $"127.0.0.1:{LoopbackPort.Free()},connectTimeout=1000";
        await using var host = await SubAgentHost.StartAsync(TestDatabase.SqliteFile(), settings, port: port);
        await host.CreateUserAsync("redis-away@example.com", Password);
        using var oauth = new OAuthTestClient(host);
        var (_, tokens) = await oauth.LogInAsync("redis-away@example.com", Password);

        using var response = await PostAsync(host, (string)tokens["access_token"]!);

        Assert.Equal("limits_unavailable", (string?)(await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.ServiceUnavailable))["code"]);
        Assert.Equal(0, llm.RequestCount);
    }

    [Fact]
    public async Task ThreeReplicas_OneKilledMidRun_EveryTaskCompletes_AndOnlyItsInFlightTasksRunAgain()
    {
        const int Tasks = 300;
        const int WorkersPerReplica = 8;
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        llm.Responder = request => LlmReply.Text("done " + Prompt(request)) with { DelayBeforeHeaders = TimeSpan.FromMilliseconds(500) };
        var port = LoopbackPort.Free();
        var settings = ReplicaSettings(port, llm);
        settings["Tasks:WorkerConcurrency"] = $"{WorkersPerReplica}";
        settings["Tasks:MaxWorkerSharePerUser"] = "1";
        settings["Tasks:MaxPendingTasksPerUser"] = "1000";
        settings["Tasks:LeaseDuration"] = "00:00:02";
        settings["Tasks:PollInterval"] = "00:00:00.100";
        await using var first = await SubAgentHost.StartAsync(database, settings, port: port);
        await using var second = await SubAgentHost.StartAsync(database, settings);
        await using var third = await ServerProcess.StartAsync(database, settings);

        await first.CreateUserAsync("replica-tasks@example.com", Password);
        using var oauth = new OAuthTestClient(first);
        var (_, tokens) = await oauth.LogInAsync("replica-tasks@example.com", Password);
        var token = (string)tokens["access_token"]!;
        await using var atFirst = await ConnectAsync(first.McpUrl, token);
        await using var atSecond = await ConnectAsync(second.McpUrl, token);
        await using var atThird = await ConnectAsync(third.McpUrl, token);
        McpClient[] clients = [atFirst, atSecond, atThird];

        // Round-robin over the three; the third is killed half-way, while it runs tasks, and the rest go to the two left.
        for (var i = 0; i < Tasks; i++)
        {
            if (i == Tasks / 2)
            {
                await TaskTestHost.WaitUntilAsync(() => llm.RequestCount >= 3 * WorkersPerReplica, "all three replicas running tasks");
                third.Kill();
                clients = [atFirst, atSecond];
            }

            await TaskTestHost.CallAsync(clients[i % clients.Length], "start_agent_task", new()
            {
                ["prompt"] = $"task {i}",
                ["mcp_servers"] = Array.Empty<string>(),
            });
        }

        // Every task completes: the killed replica's leases expire and the others take its tasks over.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        List<AgentTask> all;
        do
        {
            await Task.Delay(250, cancellationToken);
            await using var scope = first.Services.CreateAsyncScope();
            all = await scope.ServiceProvider.GetRequiredService<AppDbContext>().AgentTasks.AsNoTracking().ToListAsync(cancellationToken);
        }
        while (all.Any(t => t.Status != AgentTaskStatus.Completed) && DateTimeOffset.UtcNow < deadline);

        Assert.Equal(Tasks, all.Count);
        Assert.All(all, t => Assert.Equal((AgentTaskStatus.Completed, "done " + Prompt(t)), (t.Status, t.Output)));

        // Each task asked the upstream once, but for those in flight at the killed replica, asked again once elsewhere.
        var asked = llm.Requests.GroupBy(Prompt).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Tasks, asked.Count);
        Assert.All(asked.Values, count => Assert.InRange(count, 1, 2));
        Assert.InRange(asked.Values.Count(count => count == 2), 0, WorkersPerReplica);
    }

    private static string Prompt(ReceivedLlmRequest request) =>
        (string)request.Messages.Last(m => (string?)m?["role"] == "user")!["content"]!;

    private static string Prompt(AgentTask task) =>
        (string)JsonNode.Parse(task.RequestJson)!["run"]!["messages"]!.AsArray().Last(m => (string?)m?["role"] == "user")!["content"]!;

    private static async Task<McpClient> ConnectAsync(Uri endpoint, string token) =>
        await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
            }),
            cancellationToken: TestContext.Current.CancellationToken);

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

    /// <summary>The replicas' common settings: one public origin (the first replica's), the fake LLM.</summary>
    private static Dictionary<string, string?> ReplicaSettings(int port, ScriptedLlmServer llm) => new()
    {
        ["PublicBaseUrl"] = $"http://127.0.0.1:{port}/",
        ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
        ["OPENAI_API_KEY"] = "sk-upstream-test",
        ["Completions:DefaultModel"] = "fake-model",
    };
}
