using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using OpenAI;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The SDK marks the Responses API as an evaluation API.

namespace McpSubAgent.EndToEnd.Tests.ResponsesApi;

/// <summary>
/// <c>/v1/responses</c> through the official OpenAI .NET SDK's Responses client, against the scripted LLM and a real MCP
/// server built with the SDK: MCP calls, approvals, function tools with <c>previous_response_id</c>, streaming.
/// </summary>
public sealed class ResponsesSdkTests
{
    private const string EchoFunction = "mcp_test_echo";

    private static ResponsesClient Client(OpenAIApiHarness h, string token) =>
        new OpenAIClient(new ApiKeyCredential(token), h.SdkOptions()).GetResponsesClient();

    private static CreateResponseOptions Options(OpenAIApiHarness h, string prompt, bool requireApproval = false)
    {
        var options = new CreateResponseOptions { Model = "fake-model" };
        if (requireApproval)
        {
            // The SDK's tool without a policy: our default, as OpenAI's, is "always".
            options.Tools.Add(ResponseTool.CreateMcpTool("test", h.Downstream.Endpoint));
        }
        else
        {
#pragma warning disable SCME0001 // The SDK marks JSON patches as an evaluation API.
            options.Patch.Append("$.tools"u8, BinaryData.FromString(
                $$"""{"type":"mcp","server_label":"test","server_url":"{{h.Downstream.Endpoint}}","require_approval":"never"}"""));
#pragma warning restore SCME0001
        }

        options.InputItems.Add(ResponseItem.CreateUserMessageItem(prompt));
        return options;
    }

    [Fact]
    public async Task CreateResponse_McpToolNeverApproval_ListsToolsRunsTheCallAndAnswers()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@responses.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));

        ResponseResult response = await Client(h, token).CreateResponseAsync(Options(h, "Echo hi."), TestContext.Current.CancellationToken);

        Assert.StartsWith("resp_", response.Id);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        var listed = Assert.IsType<McpToolDefinitionListItem>(response.OutputItems[0]);
        Assert.Equal("test", listed.ServerLabel);
        Assert.Contains(listed.ToolDefinitions, t => t.Name == "echo");
        var call = Assert.IsType<McpToolCallItem>(response.OutputItems[1]);
        Assert.Equal("echo", call.ToolName);
        Assert.Equal("test", call.ServerLabel);
        Assert.Contains("hi", call.ToolOutput);
        Assert.Equal("Done.", response.GetOutputText());
        Assert.Equal(20, response.Usage.InputTokenCount);
        Assert.Equal(10, response.Usage.OutputTokenCount);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
        Assert.Contains(EchoFunction, h.Llm.Requests[0].ToolNames);

        // Stored for its owner, with the same output.
        ResponseResult again = await Client(h, token).GetResponseAsync(response.Id, TestContext.Current.CancellationToken);
        Assert.Equal("Done.", again.GetOutputText());
    }

    [Fact]
    public async Task CreateResponse_DefaultApproval_HoldsTheCall_ApprovalWithPreviousResponseIdRunsItOnce()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var ann = await h.SignInAsync("ann@responses.example");
        var bob = await h.SignInAsync("bob@responses.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));
        var options = Options(h, "Echo hi.", requireApproval: true);

        ResponseResult held = await Client(h, ann).CreateResponseAsync(options, TestContext.Current.CancellationToken);
        var request = Assert.IsType<McpToolCallApprovalRequestItem>(held.OutputItems.Last());
        Assert.StartsWith("mcpapr_", request.Id);
        Assert.Equal("echo", request.ToolName);
        Assert.Equal("test", request.ServerLabel);
        Assert.Equal(0, h.Downstream.CallCount("echo"));

        options.PreviousResponseId = held.Id;
        options.InputItems.Clear();
        options.InputItems.Add(ResponseItem.CreateMcpApprovalResponseItem(request.Id, approved: true));

        // Another user cannot continue Ann's response.
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Client(h, bob).CreateResponseAsync(options, TestContext.Current.CancellationToken));
        Assert.Equal(404, refused.Status);

        ResponseResult done = await Client(h, ann).CreateResponseAsync(options, TestContext.Current.CancellationToken);
        var call = Assert.Single(done.OutputItems.OfType<McpToolCallItem>());
        using var stored = await h.GetAsync(ann, $"v1/responses/{done.Id}");
        var storedCall = (await OpenAIApiHarness.JsonAsync(stored))["output"]!.AsArray().Single(i => (string?)i!["type"] == "mcp_call")!;
        Assert.Equal(request.Id, (string?)storedCall["approval_request_id"]);
        Assert.Contains("hi", call.ToolOutput);
        Assert.Equal("Done.", done.GetOutputText());
        Assert.Empty(done.OutputItems.OfType<McpToolDefinitionListItem>());
        Assert.Equal(1, h.Downstream.CallCount("echo"));

        var replay = await Assert.ThrowsAsync<ClientResultException>(() => Client(h, ann).CreateResponseAsync(options, TestContext.Current.CancellationToken));
        Assert.Equal(400, replay.Status);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task CreateResponse_FunctionTool_ReturnsTheCall_ItsOutputGoesUpstreamWithPreviousResponseId()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@responses.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("call_1", "get_weather", """{"city":"Paris"}""")), LlmReply.Text("It is sunny."));
        var options = new CreateResponseOptions { Model = "fake-model", Instructions = "Be brief." };
        options.Tools.Add(ResponseTool.CreateFunctionTool("get_weather",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""), strictModeEnabled: false));
        options.InputItems.Add(ResponseItem.CreateUserMessageItem("Weather in Paris?"));

        ResponseResult first = await Client(h, token).CreateResponseAsync(options, TestContext.Current.CancellationToken);
        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(first.OutputItems));
        Assert.Equal("call_1", call.CallId);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("""{"city":"Paris"}""", call.FunctionArguments.ToString());

        options.PreviousResponseId = first.Id;
        options.InputItems.Clear();
        options.InputItems.Add(ResponseItem.CreateFunctionCallOutputItem("call_1", "sunny"));
        ResponseResult second = await Client(h, token).CreateResponseAsync(options, TestContext.Current.CancellationToken);

        Assert.Equal("It is sunny.", second.GetOutputText());
        Assert.Equal(first.Id, second.PreviousResponseId);
        var messages = h.Llm.Requests[1].Messages;
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal("Be brief.", (string?)messages[0]!["content"]);
        Assert.Equal("call_1", (string?)messages[2]!["tool_calls"]![0]!["id"]);
        Assert.Equal("sunny", (string?)messages[3]!["content"]);
        Assert.Equal("call_1", (string?)messages[3]!["tool_call_id"]);
    }

    [Fact]
    public async Task CreateResponseStreaming_McpCall_SendsOpenAIsEventsInOrder()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@responses.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));

        var options = Options(h, "Echo hi.");
        options.StreamingEnabled = true;
        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await Client(h, token).CreateResponseStreamingAsync(options, TestContext.Current.CancellationToken))
        {
            updates.Add(update);
        }

        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        Assert.IsType<StreamingResponseInProgressUpdate>(updates[1]);
        var order = updates.Select(u => u.GetType()).ToList();
        Assert.True(order.IndexOf(typeof(StreamingResponseMcpListToolsCompletedUpdate)) < order.IndexOf(typeof(StreamingResponseMcpCallArgumentsDoneUpdate)));
        Assert.True(order.IndexOf(typeof(StreamingResponseMcpCallInProgressUpdate)) < order.IndexOf(typeof(StreamingResponseMcpCallCompletedUpdate)));
        Assert.True(order.IndexOf(typeof(StreamingResponseMcpCallCompletedUpdate)) < order.IndexOf(typeof(StreamingResponseOutputTextDeltaUpdate)));
        Assert.Equal("Done.", string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta)));
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal("Done.", completed.Response.GetOutputText());
        Assert.Contains(completed.Response.OutputItems, i => i is McpToolCallItem { ToolName: "echo" });

        // A streamed response is stored too.
        ResponseResult stored = await Client(h, token).GetResponseAsync(completed.Response.Id, TestContext.Current.CancellationToken);
        Assert.Equal(ResponseStatus.Completed, stored.Status);
    }

    [Fact]
    public async Task CreateResponse_Authorization_IsSentToTheServerInsteadOfALogin()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        await using var guarded = await TestMcpServer.StartAsync(new TestMcpServerOptions { RequiredBearerToken = "tool-token" }, TestContext.Current.CancellationToken);
        var token = await h.SignInAsync("ann@responses.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_guarded_echo", """{"text":"hi"}""")), LlmReply.Text("Done."));
        var body = new JsonObject
        {
            ["model"] = "fake-model",
            ["input"] = "Echo hi.",
            ["tools"] = new JsonArray(new JsonObject
            {
                ["type"] = "mcp", ["server_label"] = "guarded", ["server_url"] = guarded.Endpoint.AbsoluteUri,
                ["authorization"] = "tool-token", ["require_approval"] = "never",
            }),
        };

        using var response = await h.PostAsync(token, body, "v1/responses");
        var json = await OpenAIApiHarness.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("completed", (string?)json["status"]);
        Assert.Equal("Bearer tool-token", Assert.Single(guarded.Calls).Authorization);

        // The credential is not echoed or stored.
        Assert.DoesNotContain("tool-token", json.ToJsonString());
        using var stored = await h.GetAsync(token, $"v1/responses/{json["id"]}");
        Assert.DoesNotContain("tool-token", await stored.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
    [Fact]
    public async Task CreateResponse_UpstreamSendsReasoning_ReasoningItemBeforeTheMessage()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@responses.example");
        static string Chunk(string delta, string? finish = null) =>
            $$"""data: {"choices":[{"index":0,"delta":{{delta}},"finish_reason":{{(finish is null ? "null" : $"\"{finish}\"")}}}]}""" + "\n\n";
        h.Llm.Enqueue(LlmReply.Raw(200,
            Chunk("""{"role":"assistant","reasoning_content":"Think "}""") + Chunk("""{"reasoning_content":"hard."}""")
            + Chunk("""{"content":"42"}""", "stop")
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\ndata: [DONE]\n\n",
            "text/event-stream"));
        var options = new CreateResponseOptions { Model = "fake-model" };
        options.InputItems.Add(ResponseItem.CreateUserMessageItem("The answer?"));

        ResponseResult response = await Client(h, token).CreateResponseAsync(options, TestContext.Current.CancellationToken);

        Assert.Equal("42", response.GetOutputText());
        Assert.IsType<ReasoningResponseItem>(response.OutputItems[0]);
        using var stored = await h.GetAsync(token, $"v1/responses/{response.Id}");
        var output = (await OpenAIApiHarness.JsonAsync(stored))["output"]!.AsArray();
        Assert.Equal(["reasoning", "message"], output.Select(i => (string?)i!["type"]));
        Assert.Equal("Think hard.", (string?)output[0]!["content"]![0]!["text"]);
    }
    [Fact]
    public async Task CreateResponse_ApprovalDenied_TheCallIsNotMadeAndTheModelIsTold()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@responses.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Not echoed."));
        var options = Options(h, "Echo hi.", requireApproval: true);
        ResponseResult held = await Client(h, token).CreateResponseAsync(options, TestContext.Current.CancellationToken);
        var request = Assert.IsType<McpToolCallApprovalRequestItem>(held.OutputItems.Last());

        options.PreviousResponseId = held.Id;
        options.InputItems.Clear();
        options.InputItems.Add(ResponseItem.CreateMcpApprovalResponseItem(request.Id, approved: false));
        ResponseResult done = await Client(h, token).CreateResponseAsync(options, TestContext.Current.CancellationToken);

        var call = Assert.Single(done.OutputItems.OfType<McpToolCallItem>());
        Assert.Null(call.ToolOutput);
        Assert.Equal("Not echoed.", done.GetOutputText());
        Assert.Equal(0, h.Downstream.CallCount("echo"));
        Assert.Contains("denied", (string?)h.Llm.Requests[1].Messages[^1]!["content"], StringComparison.Ordinal);
    }
}
