using System.Net;
using System.Text.Json.Nodes;
using System.Buffers.Text;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Usage;
using McpSubAgent.EndToEnd.Tests.Fuzzing;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>Token usage per user key, model and day, each caller seeing only their own, and logins kept per user key.</summary>
public sealed class UsageAndIsolationTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task Usage_IsSummedPerModelAndDay_AndEachPersonSeesOnlyTheirOwn(string provider)
    {
        await using var h = await OpenAIApiHarness.StartAsync(database: await TestDatabase.CreateAsync(provider));
        var ann = await h.SignInAsync("usage-ann@example.com");
        var ben = await h.SignInAsync("usage-ben@example.com");
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, """{"text":"a"}""")) with { Usage = new LlmUsage(100, 10) },
            LlmReply.Text("one", new LlmUsage(200, 20)),
            LlmReply.Text("two", new LlmUsage(7, 3)),
            LlmReply.Text("ben's", new LlmUsage(1000, 1)));

        using (var first = await h.PostAsync(ann, h.Body("first")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var second = h.Body("second", stream: true);
        second["model"] = "fake-model-2";
        using (var streamed = await h.PostAsync(ann, second))
        {
            Assert.Contains("[DONE]", await streamed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        using (var bens = await h.PostAsync(ben, h.Body("ben")))
        {
            Assert.Equal(HttpStatusCode.OK, bens.StatusCode);
        }

        var annUsage = await UsageAsync(h, ann);
        var rows = annUsage["data"]!.AsArray();
        Assert.Equal(2, rows.Count);
        var main = rows.Single(r => (string?)r!["model"] == "fake-model")!;
        var today = h.Host.Services.GetRequiredService<TimeProvider>().GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(today, (string?)main["date"]);
        Assert.Equal(1, (int)main["requests"]!);
        Assert.Equal(300, (int)main["prompt_tokens"]!);
        Assert.Equal(30, (int)main["completion_tokens"]!);
        Assert.Equal(330, (int)main["total_tokens"]!);
        Assert.Equal(10, (int)rows.Single(r => (string?)r!["model"] == "fake-model-2")!["total_tokens"]!);
        Assert.Equal(340, (int)annUsage["total_tokens"]!);

        var benUsage = await UsageAsync(h, ben);
        Assert.Equal(1001, (int)Assert.Single(benUsage["data"]!.AsArray())!["total_tokens"]!);

        using var badDate = await h.GetAsync(ann, "v1/usage?start_date=yesterday");
        Assert.Equal("start_date", (string?)(await OpenAIApiHarness.AssertErrorAsync(badDate, HttpStatusCode.BadRequest))["param"]);
        var past = await UsageAsync(h, ann, "?start_date=2020-01-01&end_date=2020-01-31");
        Assert.Empty(past["data"]!.AsArray());
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task Usage_OfAnApp_ShowsItsEndUsers_AndOneEndUserOnRequest(string provider)
    {
        await using var h = await OpenAIApiHarness.StartAsync(database: await TestDatabase.CreateAsync(provider));
        var (clientId, secret) = await h.AddAppAsync("Usage app");
        var app = await h.AppTokenAsync(clientId, secret);
        var person = await h.SignInAsync("usage-person@example.com");
        h.Llm.Responder = _ => LlmReply.Text("ok", new LlmUsage(4, 1));
        foreach (var user in new[] { "dan", "dan", "eve" })
        {
            var body = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }), ["user"] = user };
            using var response = await h.PostAsync(app, body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var all = await UsageAsync(h, app);
        Assert.Equal(["dan", "eve"], all["data"]!.AsArray().Select(r => (string)r!["user"]!).Order());
        Assert.Equal(2, (int)all["data"]!.AsArray().Single(r => (string?)r!["user"] == "dan")!["requests"]!);
        var eve = await UsageAsync(h, app, "?user=eve");
        Assert.Equal(5, (int)Assert.Single(eve["data"]!.AsArray())!["total_tokens"]!);

        // The person, whose runs were none, sees none of the app's.
        Assert.Empty((await UsageAsync(h, person))["data"]!.AsArray());
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task Usage_OfConcurrentRunsOnANewDay_IsAddedToOneRow_WithoutErrorLogs(string provider)
    {
        // The day's first runs used to race to insert its row; each loser's unique-key violation was an EF Core error log.
        var errors = new ErrorLogCollector("Microsoft.EntityFrameworkCore.");
        await using var h = await OpenAIApiHarness.StartAsync(database: await TestDatabase.CreateAsync(provider), services: s => s.AddSingleton<ILoggerProvider>(errors));
        var eve = await h.SignInAsync("usage-eve@example.com");
        var userKey = (string)JsonNode.Parse(Base64Url.DecodeFromChars(eve.Split('.')[1]))!["sub"]!;
        var observers = h.Host.Services.GetServices<ICompletionRunObserver>().ToArray();
        errors.Clear(); // EF Core logs an error when it first looks for the migrations table of a new PostgreSQL database.
        const int Runs = 24;
        await Task.WhenAll(Enumerable.Range(0, Runs).Select(i => Task.Run(async () =>
        {
            var report = new CompletionRunReport($"run-{i}", userKey, null, "race-model", RunOutcome.Completed, [], new TokenUsage(10, 1, 11), [], TimeSpan.Zero);
            foreach (var observer in observers)
            {
                await observer.OnRunCompletedAsync(report, TestContext.Current.CancellationToken);
            }
        })));

        var row = Assert.Single((await UsageAsync(h, eve))["data"]!.AsArray())!;
        Assert.Equal(Runs, (int)row["requests"]!);
        Assert.Equal(Runs * 11, (int)row["total_tokens"]!);
        Assert.Empty(errors.Entries);
    }

    [Fact]
    public async Task Logins_AreKeptPerUser_SoOnePersonsLoginDoesNotServeAnother()
    {
        var gate = new UserKeyLoginGate();
        await using var h = await OpenAIApiHarness.StartAsync(services: s => s.AddSingleton<IMcpCredentialProvider>(gate));
        var fay = await h.SignInAsync("isolation-fay@example.com");
        var gus = await h.SignInAsync("isolation-gus@example.com");

        using var fayFirst = await h.PostAsync(fay, h.Body("x"));
        var fayKey = Assert.Single(gate.AskedUserKeys);
        gate.LogIn(fayKey);
        h.Llm.Enqueue(LlmReply.Text("Fay is in."));
        using var fayAgain = await h.PostAsync(fay, h.Body("x"));
        Assert.Null((await OpenAIApiHarness.JsonAsync(fayAgain))["mcp_login_required"]);

        using var gusResponse = await h.PostAsync(gus, h.Body("x"));
        var gusAnswer = await OpenAIApiHarness.JsonAsync(gusResponse);
        var link = (string?)gusAnswer["mcp_login_required"]![0]!["url"];
        Assert.NotEqual(UserKeyLoginGate.LoginUrl(fayKey).AbsoluteUri, link);
        Assert.Equal(2, gate.AskedUserKeys.Distinct().Count());
        Assert.Equal(1, h.Llm.RequestCount);
    }

    private static async Task<JsonObject> UsageAsync(OpenAIApiHarness h, string token, string query = "")
    {
        using var response = await h.GetAsync(token, "v1/usage" + query);
        var body = await OpenAIApiHarness.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal("list", (string?)body["object"]);
        return body;
    }
}
