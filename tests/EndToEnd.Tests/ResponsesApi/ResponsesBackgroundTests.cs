using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.Testing.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The SDK marks the Responses API as an evaluation API.

namespace McpSubAgent.EndToEnd.Tests.ResponsesApi;

/// <summary><c>background: true</c> on <c>/v1/responses</c>: an agent task that the stored response follows, through the official SDK.</summary>
public sealed class ResponsesBackgroundTests
{
    private static ResponsesClient Client(OpenAIApiHarness h, string token) =>
        new OpenAIClient(new ApiKeyCredential(token), h.SdkOptions()).GetResponsesClient();

    private static CreateResponseOptions Options(OpenAIApiHarness h, string prompt)
    {
        var options = new CreateResponseOptions { Model = "fake-model", BackgroundModeEnabled = true };
#pragma warning disable SCME0001 // The SDK marks JSON patches as an evaluation API.
        options.Patch.Append("$.tools"u8, BinaryData.FromString(
            $$"""{"type":"mcp","server_label":"test","server_url":"{{h.Downstream.Endpoint}}","require_approval":"never"}"""));
#pragma warning restore SCME0001
        options.InputItems.Add(ResponseItem.CreateUserMessageItem(prompt));
        return options;
    }

    private static async Task<ResponseResult> WaitForAsync(ResponsesClient client, string id, ResponseStatus status)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            ResponseResult response = await client.GetResponseAsync(id, TestContext.Current.CancellationToken);
            if (response.Status == status)
            {
                return response;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"the response is still {response.Status}, not {status}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Background_RunsAsATask_TheStoredResponseFollowsItAndCanBeContinued()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@background.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_test_echo", """{"text":"hi"}""")), LlmReply.Text("Done in the background."),
            LlmReply.Text("Still here."));
        var client = Client(h, token);

        ResponseResult started = await client.CreateResponseAsync(Options(h, "Echo hi."), TestContext.Current.CancellationToken);
        Assert.Equal(ResponseStatus.Queued, started.Status);

        var done = await WaitForAsync(client, started.Id, ResponseStatus.Completed);
        var call = Assert.Single(done.OutputItems.OfType<McpToolCallItem>());
        Assert.Equal("echo", call.ToolName);
        Assert.Equal("test", call.ServerLabel);
        Assert.Contains("hi", call.ToolOutput);
        Assert.Equal("Done in the background.", done.GetOutputText());
        Assert.Equal(1, h.Downstream.CallCount("echo"));

        var next = new CreateResponseOptions { Model = "fake-model", PreviousResponseId = done.Id };
        next.InputItems.Add(ResponseItem.CreateUserMessageItem("Still there?"));
        ResponseResult continued = await client.CreateResponseAsync(next, TestContext.Current.CancellationToken);
        Assert.Equal("Still here.", continued.GetOutputText());
        Assert.Contains(h.Llm.Requests[^1].Messages, m => (string?)m!["content"] == "Done in the background.");
    }

    [Fact]
    public async Task Cancel_StopsTheBackgroundResponse()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@background.example");
        h.Llm.Enqueue(new TextReply("Too late.") { DelayBeforeHeaders = TimeSpan.FromSeconds(30) });
        var client = Client(h, token);

        ResponseResult started = await client.CreateResponseAsync(Options(h, "Take your time."), TestContext.Current.CancellationToken);
        ResponseResult cancelled = await client.CancelResponseAsync(started.Id, TestContext.Current.CancellationToken);

        Assert.Equal(ResponseStatus.Cancelled, cancelled.Status);
        Assert.Equal(ResponseStatus.Cancelled, (await client.GetResponseAsync(started.Id, TestContext.Current.CancellationToken)).Value.Status);

        // A response that has ended cannot be cancelled again.
        var again = await Assert.ThrowsAsync<ClientResultException>(() => client.CancelResponseAsync(started.Id, TestContext.Current.CancellationToken));
        Assert.Equal(400, again.Status);
    }

    [Fact]
    public async Task Background_WithTheDefaultApproval_Is400()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@background.example");
        var body = new JsonObject
        {
            ["model"] = "fake-model", ["input"] = "Echo hi.", ["background"] = true,
            ["tools"] = new JsonArray(new JsonObject { ["type"] = "mcp", ["server_label"] = "test", ["server_url"] = h.Downstream.Endpoint.AbsoluteUri }),
        };

        using var response = await h.PostAsync(token, body, "v1/responses");

        Assert.Equal("background", (string?)(await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.BadRequest))["param"]);

        // Credentials given for the request alone would have to be stored in the task: refused, nothing stored.
        body["tools"]![0]!["require_approval"] = "never";
        body["tools"]![0]!["authorization"] = "secret-token";
        using var withToken = await h.PostAsync(token, body, "v1/responses");
        var refused = await OpenAIApiHarness.AssertErrorAsync(withToken, HttpStatusCode.BadRequest);
        Assert.Equal("background", (string?)refused["param"]);
        Assert.DoesNotContain("secret-token", refused.ToJsonString(), StringComparison.Ordinal);
        body["tools"]![0]!.AsObject().Remove("authorization");

        // A field the task would refuse is refused at once.
        body["max_rounds"] = 0;
        using var badRounds = await h.PostAsync(token, body, "v1/responses");
        Assert.Equal("max_rounds", (string?)(await OpenAIApiHarness.AssertErrorAsync(badRounds, HttpStatusCode.BadRequest))["param"]);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task Background_PastThePendingLimit_Is429_AndNothingIsStored()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["Tasks:MaxPendingTasksPerUser"] = "1" });
        var token = await h.SignInAsync("ann@background.example");
        h.Llm.Responder = _ => LlmReply.Text("slow") with { DelayBeforeHeaders = TimeSpan.FromSeconds(30) };
        var body = new JsonObject
        {
            ["model"] = "fake-model", ["input"] = "Take your time.", ["background"] = true,
            ["tools"] = new JsonArray(new JsonObject
            {
                ["type"] = "mcp", ["server_label"] = "test", ["server_url"] = h.Downstream.Endpoint.AbsoluteUri, ["require_approval"] = "never",
            }),
        };

        using var accepted = await h.PostAsync(token, body, "v1/responses");
        using var refused = await h.PostAsync(token, body, "v1/responses");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var error = await OpenAIApiHarness.AssertErrorAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("the limit is 1", (string?)error["message"], StringComparison.Ordinal);
        Assert.NotNull(refused.Headers.RetryAfter);
        await using var scope = h.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Equal(1, await db.StoredResponses.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, await db.AgentTasks.CountAsync(TestContext.Current.CancellationToken));
    }
}
