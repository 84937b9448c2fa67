using System.Collections.Concurrent;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>
/// A thousand malformed requests per public endpoint, the same ones every run (fixed seeds): none may answer 5xx, show
/// a stack trace or an internal name, or log an unhandled exception; and the server answers normally afterwards.
/// </summary>
public sealed class FuzzTests(FuzzingHarnessFixture fixture) : IClassFixture<FuzzingHarnessFixture>
{
    private const int RequestsPerEndpoint = 1000;
    private const string Form = "application/x-www-form-urlencoded";
    private const string Json = "application/json";

    public static TheoryData<string> Endpoints => [.. Targets.Keys];

    private static Dictionary<string, Func<FuzzingHarness, FuzzTarget>> Targets { get; } = new()
    {
        ["token"] = _ => new("token", "POST", "/connect/token", Form, "grant_type=client_credentials&client_id=fuzz&client_secret=nope&scope=mcp", FuzzAuth.None),
        ["authorize"] = _ => new("authorize", "POST", "/connect/authorize", Form,
            "client_id=fuzz&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A7777%2Fcb&code_challenge=abc&code_challenge_method=S256&scope=mcp", FuzzAuth.None),
        ["register"] = _ => new("register", "POST", "/connect/register", Json,
            """{"redirect_uris":["http://127.0.0.1:7777/cb"],"client_name":"fuzz","token_endpoint_auth_method":"none","grant_types":["authorization_code"]}""", FuzzAuth.None),
        ["device"] = _ => new("device", "POST", "/connect/device", Form, "client_id=fuzz&scope=mcp%20offline_access", FuzzAuth.None),
        ["verify page"] = _ => new("verify page", "GET", "/connect/verify?user_code=ABCD-EFGH", null, "", FuzzAuth.Cookie),
        ["login page"] = _ => new("login page", "POST", "/account/login?ReturnUrl=%2F", Form, "Email=a%40b.c&Password=x&ReturnUrl=%2F&__RequestVerificationToken=x", FuzzAuth.None),

        // An unknown model: a variation that happens to be well-formed stops at the model check, not at the upstream.
        ["chat completions"] = _ => new("chat completions", "POST", "/v1/chat/completions", Json,
            """{"model":"no-such-model","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}],"stream":false}""", FuzzAuth.Bearer),
        ["models"] = _ => new("models", "GET", "/v1/models/fake-model", null, "", FuzzAuth.Bearer),
        ["mcp"] = _ => new("mcp", "POST", "/mcp", Json,
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"run_agent","arguments":{"prompt":"hi","agent":"x"}}}""", FuzzAuth.Bearer),
        ["login link"] = _ => new("login link", "GET", "/connections/login/abcdefghijklmnopqrstuvwxyz", null, "", FuzzAuth.None),
        ["conversations"] = h => new("conversations", "PUT", $"/api/chat/conversations/{h.ConversationId}", Json,
            """{"title":"t","model":"m","messages":[{"role":"user","content":"x"}]}""", FuzzAuth.Cookie),
        ["task page"] = _ => new("task page", "GET", "/tasks/0123456789abcdef.json", null, "", FuzzAuth.Bearer),
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Send_AThousandMalformedRequests_NoneAnswers5xxOrLeaks(string endpoint)
    {
        var harness = await fixture.GetAsync();
        var target = Targets[endpoint](harness);
        var generator = new MalformedRequestGenerator(harness, target, seed: endpoint.Aggregate(14, (hash, c) => unchecked((hash * 31) + c)));
        var requests = Enumerable.Range(0, RequestsPerEndpoint).Select(generator.Next).ToList();
        harness.Errors.Clear();
        var failures = new ConcurrentQueue<string>();

        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken }, async (request, _) =>
        {
            var response = await harness.SendAsync(request);
            if (response.Status is < 100 or >= 500)
            {
                failures.Enqueue($"{response.Status} for {request.Describe()}: {response.Body[..Math.Min(response.Body.Length, 300)]} {harness.Errors.Entries.LastOrDefault()}");
            }
            else if (ResponseLeaks.Find(response) is { } leak)
            {
                failures.Enqueue($"{leak} for {request.Describe()}");
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} of {RequestsPerEndpoint}:\n{string.Join("\n", failures.Take(10))}");
        Assert.True(harness.Errors.Entries.Count == 0, string.Join("\n", harness.Errors.Entries.Take(5)));
        await harness.AssertHealthyAsync();
    }
}
