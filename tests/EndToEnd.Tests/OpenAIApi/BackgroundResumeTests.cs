using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>A background completion whose host dies resumes on another host from its last round, with the same MCP servers.</summary>
public sealed class BackgroundResumeTests
{
    [Fact]
    public async Task HostDiesDuringARound_AnotherHostResumes_WithTheFrontMattersServer_AndNoRepeatedToolCall()
    {
        await using var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        await using var downstream = await TestMcpServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var settings = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = OpenAIApiHarness.UpstreamKey,
            ["Completions:DefaultModel"] = "fake-model",
            ["Tasks:LeaseDuration"] = "00:00:02",
            ["Tasks:PollInterval"] = "00:00:00.100",
        };
        llm.Responder = request =>
        {
            var last = request.Messages[^1]?["content"]?.ToString() ?? "";
            return last.StartsWith("echo:", StringComparison.Ordinal)
                ? LlmReply.ToolCalls(new LlmToolCall("call_2", "mcp_127-0-0-1_slow", """{"milliseconds":3000}"""))
                : last.StartsWith("slept", StringComparison.Ordinal)
                    ? LlmReply.Text("Resumed and done.")
                    : LlmReply.ToolCalls(new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, """{"text":"round one"}"""));
        };

        var first = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?>(settings) { ["Tasks:ReleaseLeasesOnShutdown"] = "false" });
        string id;
        await using (first)
        {
            await first.CreateUserAsync("resume@example.com", OpenAIApiHarness.Password);
            using var oauth = new OAuthTestClient(first);
            var (_, tokens) = await oauth.LogInAsync("resume@example.com", OpenAIApiHarness.Password);
            var body = new JsonObject
            {
                ["background"] = true,
                ["messages"] = new JsonArray(
                    new JsonObject { ["role"] = "system", ["content"] = $"---\nmcp: {downstream.Endpoint}\n---\nEcho, then sleep." },
                    new JsonObject { ["role"] = "user", ["content"] = "Go." }),
            };
            using var http = first.CreateHttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (string)tokens["access_token"]!);
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            id = (string)(await OpenAIApiHarness.JsonAsync(response))["id"]!;

            var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
            while (downstream.CallCount("slow") == 0)
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, "the slow tool call of round 2 never came");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        await using var second = await SubAgentHost.StartAsync(first.DatabasePath, settings);
        using var pages = second.CreateHttpClient();
        JsonObject task;
        var until = DateTimeOffset.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            task = (await pages.GetFromJsonAsync<JsonObject>($"tasks/{id}.json", TestContext.Current.CancellationToken))!;
        }
        while ((string?)task["status"] != "completed" && DateTimeOffset.UtcNow < until);

        Assert.Equal("completed", (string?)task["status"]);
        Assert.Contains("Resumed and done.", (string?)task["output"], StringComparison.Ordinal);
        Assert.Equal(2, (int)task["rounds"]!);
        Assert.Equal(1, downstream.CallCount("echo"));
        Assert.Equal(2, downstream.CallCount("slow"));

        // The interrupted read-only call was made again as it was, without asking the model again.
        Assert.Equal(3, llm.RequestCount);

        // The resumed round still offered the front matter's server, and the model never saw the front matter.
        Assert.Contains("mcp_127-0-0-1_slow", llm.Requests[^1].ToolNames);
        Assert.All(llm.Requests, r => Assert.Equal("Echo, then sleep.", (string?)r.Messages[0]!["content"]));
    }
}
