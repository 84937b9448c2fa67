using System.ClientModel;
using System.Text;
using McpSubAgent.Testing.Llm;
using OpenAI.Chat;
using OpenAI.Models;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>The official OpenAI .NET SDK pointed at our /v1 with a person's token, using MCP tools of a real server.</summary>
public sealed class OpenAISdkTests
{
    [Fact]
    public async Task CompleteChat_McpServerInFrontMatter_RunsTheToolAndAnswersWithUsage()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("sdk-user@example.com");
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, """{"text":"from the sdk"}""")),
            LlmReply.Text("Echoed."));

        ChatCompletion completion = await h.Chat(token).CompleteChatAsync(
            [new SystemChatMessage(h.FrontMatter()), new UserChatMessage("Echo something.")], cancellationToken: TestContext.Current.CancellationToken);

        var text = completion.Content[0].Text;
        Assert.Contains("echo: from the sdk", text, StringComparison.Ordinal);
        Assert.EndsWith("Echoed.", text, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(30, completion.Usage.TotalTokenCount);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.Equal(1, h.Downstream.CallCount("echo"));

        // The upstream gets the server's key, never the caller's token, and the model sees the tool.
        Assert.All(h.Llm.Requests, r => Assert.Equal($"Bearer {OpenAIApiHarness.UpstreamKey}", r.Header("Authorization")));
        Assert.Contains(OpenAIApiHarness.EchoTool, h.Llm.Requests[0].ToolNames);
        Assert.Equal("You are helpful.", (string?)h.Llm.Requests[0].Messages[0]!["content"]);
    }

    [Fact]
    public async Task CompleteChatStreaming_McpToolThroughJsonPatch_StreamsOneCompletionWithTheToolAndUsage()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("sdk-stream@example.com");
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", "mcp_127-0-0-1_add", """{"a":20,"b":22}""")),
            LlmReply.Text("The sum is 42."));
        var options = new ChatCompletionOptions();
#pragma warning disable SCME0001 // The SDK marks JSON patches as an evaluation API.
        options.Patch.Append("$.tools"u8, BinaryData.FromString($$"""{"type":"mcp","server_url":"{{h.Downstream.Endpoint}}"}"""));
#pragma warning restore SCME0001

        var text = new StringBuilder();
        var ids = new HashSet<string>();
        var finishReasons = new List<ChatFinishReason>();
        ChatTokenUsage? usage = null;
        await foreach (var update in h.Chat(token).CompleteChatStreamingAsync([new UserChatMessage("20 + 22?")], options, TestContext.Current.CancellationToken))
        {
            ids.Add(update.CompletionId);
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage = update.Usage ?? usage;
            if (update.FinishReason is { } reason)
            {
                finishReasons.Add(reason);
            }
        }

        Assert.Contains($"🔧 add ({h.Downstream.Endpoint.Authority})", text.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("The sum is 42.", text.ToString(), StringComparison.Ordinal);
        Assert.Single(ids);
        Assert.Equal([ChatFinishReason.Stop], finishReasons);
        Assert.Equal(30, usage!.TotalTokenCount);
        Assert.Equal(1, h.Downstream.CallCount("add"));
    }

    [Fact]
    public async Task CompleteChat_CallersOwnFunction_ComesBackAsToolCalls()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("sdk-functions@example.com");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("call_w", "get_weather", """{"city":"Oslo"}""")), LlmReply.Text("Sunny."));
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("get_weather", "Weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")) },
        };
        List<ChatMessage> messages = [new SystemChatMessage(h.FrontMatter()), new UserChatMessage("Weather in Oslo?")];

        ChatCompletion first = await h.Chat(token).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal("get_weather", Assert.Single(first.ToolCalls).FunctionName);

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(first.ToolCalls[0].Id, "sunny"));
        ChatCompletion second = await h.Chat(token).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);

        Assert.Equal("Sunny.", second.Content[0].Text);
        Assert.Equal("sunny", (string?)h.Llm.Requests[1].Messages.Last()!["content"]);
    }

    [Fact]
    public async Task GetModels_ListsTheUpstreamsModels()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("sdk-models@example.com");
        var models = new OpenAIModelClient(new ApiKeyCredential(token), h.SdkOptions());

        OpenAIModelCollection list = await models.GetModelsAsync(TestContext.Current.CancellationToken);
        OpenAIModel one = await models.GetModelAsync("fake-model-2", TestContext.Current.CancellationToken);

        Assert.Equal(["fake-model", "fake-model-2"], list.Select(m => m.Id).Order());
        Assert.Equal("fake-model-2", one.Id);
    }

    [Fact]
    public async Task CompleteChat_BadToken_SdkSeesA401()
    {
        await using var h = await OpenAIApiHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<ClientResultException>(() =>
            h.Chat("not-a-token").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(401, ex.Status);
        Assert.Contains("bearer token", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Llm.RequestCount);
    }
}
