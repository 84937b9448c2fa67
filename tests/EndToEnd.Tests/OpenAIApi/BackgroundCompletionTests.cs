using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.Testing.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary><c>background: true</c>: 202 at once, then the task store runs the completion to its end.</summary>
public sealed class BackgroundCompletionTests
{
    [Fact]
    public async Task Background_Answers202AtOnce_ThenTheResultPagesShowTheCompletedRun()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("background@example.com");
        h.Llm.Enqueue(
            new ToolCallsReply([new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, """{"text":"in the background"}""")]) { DelayBeforeHeaders = TimeSpan.FromMilliseconds(300) },
            LlmReply.Text("Background done."));
        var body = h.Body("Work on it later.", stream: true);
        body["background"] = true;

        using var response = await h.PostAsync(token, body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var started = await OpenAIApiHarness.JsonAsync(response);
        var id = (string)started["id"]!;
        Assert.Equal(43, id.Length);
        Assert.Equal("queued", (string?)started["status"]);
        Assert.Equal(new Uri(h.Host.BaseUrl, $"tasks/{id}.md").AbsoluteUri, (string?)started["result_url"]);
        Assert.Equal(new Uri(h.Host.BaseUrl, $"tasks/{id}.json").AbsoluteUri, (string?)started["json_url"]);

        var done = await WaitForStatusAsync((string)started["json_url"]!, "completed");
        var output = (string)done["output"]!;
        Assert.Contains("echo: in the background", output, StringComparison.Ordinal);
        Assert.EndsWith("Background done.", output.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(30, (int)done["usage"]!["total_tokens"]!);
        Assert.Equal(1, (int)done["rounds"]!);
        using var http = new HttpClient();
        Assert.Contains("Background done.", await http.GetStringAsync((string)started["result_url"]!, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // The upstream never saw the server's own fields.
        Assert.All(h.Llm.Requests, r => Assert.Null(r.Body["background"]));
        Assert.All(h.Llm.Requests, r => Assert.Null(r.Body["store"]));
        await using var scope = h.Host.Services.CreateAsyncScope();
        var task = await scope.ServiceProvider.GetRequiredService<AppDbContext>().AgentTasks.SingleAsync(t => t.Id == id, TestContext.Current.CancellationToken);
        Assert.True(task.Store);
    }

    [Fact]
    public async Task Background_StoreFalse_IsKeptOnlyForTheRetention()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("background-store@example.com");
        h.Llm.Enqueue(LlmReply.Text("Short-lived."));
        var body = h.Body("x");
        body["background"] = true;
        body["store"] = false;

        using var response = await h.PostAsync(token, body);
        var started = await OpenAIApiHarness.JsonAsync(response);
        await WaitForStatusAsync((string)started["json_url"]!, "completed");

        await using var scope = h.Host.Services.CreateAsyncScope();
        var task = await scope.ServiceProvider.GetRequiredService<AppDbContext>().AgentTasks.SingleAsync(TestContext.Current.CancellationToken);
        Assert.False(task.Store);
        Assert.NotNull(task.EndedAt);
    }

    [Fact]
    public async Task Background_AppWithUserThatMustLogIn_WaitsForThatUser_AndAppWithoutUserFails()
    {
        var gate = new UserKeyLoginGate();
        await using var h = await OpenAIApiHarness.StartAsync(
            new Dictionary<string, string?> { ["Tasks:AuthRetryInterval"] = "00:00:01" }, s => s.AddSingleton<IMcpCredentialProvider>(gate));
        var (clientId, secret) = await h.AddAppAsync("Background app");
        var token = await h.AppTokenAsync(clientId, secret);
        var withUser = h.Body("x");
        withUser["background"] = true;
        withUser["user"] = "carol";
        var withoutUser = h.Body("x");
        withoutUser["background"] = true;

        using var carolResponse = await h.PostAsync(token, withUser);
        var carol = await OpenAIApiHarness.JsonAsync(carolResponse);
        using var anonymousResponse = await h.PostAsync(token, withoutUser);
        var anonymous = await OpenAIApiHarness.JsonAsync(anonymousResponse);

        var failed = await WaitForStatusAsync((string)anonymous["json_url"]!, "failed");
        Assert.Contains("'user' field", (string?)failed["error"], StringComparison.Ordinal);
        await WaitForStatusAsync((string)carol["json_url"]!, "auth_required");
        Assert.Contains($"{clientId}:carol", gate.AskedUserKeys);

        h.Llm.Enqueue(LlmReply.Text("Carol's task is done."));
        gate.LogIn($"{clientId}:carol");
        var done = await WaitForStatusAsync((string)carol["json_url"]!, "completed");
        Assert.Contains("Carol's task is done.", (string?)done["output"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Background_WithTheCallersOwnFunctions_Gets400()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("background-functions@example.com");
        var body = h.Body("x");
        body["background"] = true;
        body["tools"]!.AsArray().Add(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "mine", ["parameters"] = new JsonObject { ["type"] = "object" } } });

        using var response = await h.PostAsync(token, body);

        Assert.Equal("tools", (string?)(await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.BadRequest))["param"]);
    }

    internal static async Task<JsonObject> WaitForStatusAsync(string jsonUrl, string status)
    {
        using var http = new HttpClient();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var task = JsonNode.Parse(await http.GetStringAsync(jsonUrl, TestContext.Current.CancellationToken))!.AsObject();
            if ((string?)task["status"] == status)
            {
                return task;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"the task is still {task["status"]}, not {status}: {task.ToJsonString()}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
