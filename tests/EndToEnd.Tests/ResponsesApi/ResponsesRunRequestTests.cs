using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.EndToEnd.Tests.Tasks;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.Testing.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.ResponsesApi;

/// <summary>What <c>/v1/responses</c> makes of a request for the engine: the forced MCP tool, the stored task, retention.</summary>
public sealed class ResponsesRunRequestTests
{
    private static JsonObject Body(OpenAIApiHarness h, string input) => new()
    {
        ["model"] = "fake-model",
        ["input"] = input,
        ["tools"] = new JsonArray(new JsonObject
        {
            ["type"] = "mcp", ["server_label"] = "docs", ["server_url"] = h.Downstream.Endpoint.AbsoluteUri, ["require_approval"] = "never",
        }),
    };

    [Fact]
    public async Task ToolChoiceMcp_WithName_ForcesThatToolUnderTheEngineName()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@choice.example");
        h.Llm.Enqueue(LlmReply.Text("Forced."));
        var body = Body(h, "Echo something.");
        body["tool_choice"] = new JsonObject { ["type"] = "mcp", ["server_label"] = "docs", ["name"] = "echo" };

        using var created = await h.PostAsync(token, body, "v1/responses");

        Assert.Equal("completed", (string?)(await OpenAIApiHarness.JsonAsync(created))["status"]);
        var upstream = Assert.Single(h.Llm.Requests);
        Assert.Equal("mcp_docs_echo", (string?)upstream.Body["tool_choice"]!["function"]!["name"]);
        Assert.Contains("mcp_docs_echo", upstream.ToolNames);

        body["tool_choice"] = new JsonObject { ["type"] = "mcp", ["server_label"] = "nowhere", ["name"] = "echo" };
        using var unknown = await h.PostAsync(token, body, "v1/responses");
        Assert.Equal("tool_choice.server_label", (string?)(await OpenAIApiHarness.AssertErrorAsync(unknown, HttpStatusCode.BadRequest))["param"]);
    }

    [Fact]
    public async Task Background_StoresTheRunRequest_NotAChatCompletionsBody()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@shape.example");
        h.Llm.Enqueue(LlmReply.Text("Done."));
        var body = Body(h, "Work in the background.");
        body["background"] = true;
        body["max_output_tokens"] = 50;
        body["max_rounds"] = 3;

        using var created = await h.PostAsync(token, body, "v1/responses");
        var id = (string)(await OpenAIApiHarness.JsonAsync(created))["id"]!;

        await using var scope = h.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var taskId = await db.StoredResponses.Where(r => r.Id == id).Select(r => r.TaskId).SingleAsync(TestContext.Current.CancellationToken);
        var task = await db.AgentTasks.AsNoTracking().SingleAsync(t => t.Id == taskId, TestContext.Current.CancellationToken);
        var stored = JsonNode.Parse(task.RequestJson)!;
        Assert.Equal("response", (string?)stored["surface"]);
        Assert.Equal("text", (string?)stored["run"]!["output_mode"]);
        Assert.Equal(3, (int?)stored["run"]!["max_rounds"]);
        Assert.Equal("docs", (string?)stored["run"]!["mcp_servers"]![0]!["server_label"]);
        Assert.Equal(50, (int?)stored["run"]!["upstream_fields"]!["max_completion_tokens"]);
        Assert.Null(stored["run"]!["upstream_fields"]!["max_rounds"]);
        Assert.Null(stored["request"]);
    }

    [Fact]
    public async Task StoredResponse_PastRetention_IsDeletedByTheCleanupSweep()
    {
        var clock = new ShiftedTimeProvider();
        await using var h = await OpenAIApiHarness.StartAsync(
            new Dictionary<string, string?> { ["Tasks:CleanupInterval"] = "00:00:00.200", ["Responses:Retention"] = "1.00:00:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        var token = await h.SignInAsync("ann@retention.example");
        var ct = TestContext.Current.CancellationToken;
        h.Llm.Enqueue(LlmReply.Text("Keep me a day."), LlmReply.Text("Keep me a day too."));
        using var created = await h.PostAsync(token, new JsonObject { ["model"] = "fake-model", ["input"] = "Hi." }, "v1/responses");
        var id = (string)(await OpenAIApiHarness.JsonAsync(created))["id"]!;

        // A second response, 23 hours younger: still within its retention when the first is past it.
        clock.Advance(TimeSpan.FromHours(23));
        using var younger = await h.PostAsync(token, new JsonObject { ["model"] = "fake-model", ["input"] = "Hi again." }, "v1/responses");
        var youngerId = (string)(await OpenAIApiHarness.JsonAsync(younger))["id"]!;

        // Past the first one's retention, the worker's sweep deletes it.
        clock.Advance(TimeSpan.FromHours(2));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        HttpStatusCode status;
        do
        {
            await Task.Delay(100, ct);
            using var response = await h.GetAsync(token, $"v1/responses/{id}");
            status = response.StatusCode;
        }
        while (status == HttpStatusCode.OK && DateTimeOffset.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.NotFound, status);

        // The sweep that deleted it kept the one within its retention.
        using var kept = await h.GetAsync(token, $"v1/responses/{youngerId}");
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }
}
