using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace McpSubAgent.Completions.Tests.Transport;

/// <summary>The official OpenAI .NET SDK with the handler as its transport, as an app would use it.</summary>
public sealed class OpenAISdkTests
{
    private static OpenAIClientOptions Options(CompletionsHarness h) => new()
    {
        Endpoint = h.Llm.BaseUrl,
        Transport = new HttpClientPipelineTransport(new HttpClient(h.Handler)),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    };

    private static ChatClient Chat(CompletionsHarness h) => new("fake-model", new ApiKeyCredential("test-key"), Options(h));

    [Fact]
    public async Task CompleteChatStreaming_FrontMatterServer_StreamsToolMarkdownAnswerAndUsage()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_add", """{"a":20,"b":22}""")),
            LlmReply.Text("The sum is 42."));

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        var finishReasons = new List<ChatFinishReason>();
        var ids = new HashSet<string>();
        await foreach (var update in Chat(h).CompleteChatStreamingAsync(
            [new SystemChatMessage($"---\nmcp: {h.Mcp.Endpoint}\n---\nYou add numbers."), new UserChatMessage("20 + 22?")],
            cancellationToken: TestContext.Current.CancellationToken))
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

        Assert.Contains($"🔧 add ({h.Mcp.Endpoint.Authority})", text.ToString());
        Assert.EndsWith("The sum is 42.", text.ToString());
        Assert.Equal([ChatFinishReason.Stop], finishReasons);
        Assert.Single(ids);
        Assert.Equal(30, usage!.TotalTokenCount);
        Assert.Equal("You add numbers.", (string?)h.Llm.Requests[0].Messages[0]!["content"]);
        Assert.All(h.Llm.Requests, r => Assert.Equal("Bearer test-key", r.Header("Authorization")));
    }

    [Fact]
    public async Task CompleteChat_McpToolAddedThroughTheSdksJsonPatch_Works()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"patched"}""")), LlmReply.Text("ok"));
        var options = new ChatCompletionOptions();
#pragma warning disable SCME0001 // The SDK marks JSON patches as an evaluation API.
        options.Patch.Append("$.tools"u8, BinaryData.FromString($$"""{"type":"mcp","server_url":"{{h.Mcp.Endpoint}}"}"""));
#pragma warning restore SCME0001

        ChatCompletion completion = await Chat(h).CompleteChatAsync([new UserChatMessage("echo")], options, TestContext.Current.CancellationToken);

        Assert.Contains("echo: patched", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(30, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChat_CallerFunction_ComesBackAsSdkToolCalls()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("call_w", "get_weather", """{"city":"Oslo"}""")), LlmReply.Text("Sunny."));
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")) } };
        List<ChatMessage> messages = [new SystemChatMessage($"---\nmcp: {h.Mcp.Endpoint}\n---\nHelpful."), new UserChatMessage("Weather in Oslo?")];

        ChatCompletion first = await Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "sunny"));
        ChatCompletion second = await Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);

        Assert.Equal("Sunny.", second.Content[0].Text);
    }

    [Fact]
    public async Task PlainRequest_PassesThroughUntouched()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("plain"));

        ChatCompletion completion = await Chat(h).CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Temperature = 0.5f }, TestContext.Current.CancellationToken);

        Assert.Equal("plain", completion.Content[0].Text);
        var sent = h.Llm.Requests[0];
        Assert.False(sent.Stream);
        Assert.Null(sent.Body["stream_options"]);
        Assert.Equal(0.5, (double)sent.Body["temperature"]!, 3);
        Assert.Equal("Bearer test-key", sent.Header("Authorization"));
        Assert.Equal(0, h.Mcp.ListToolsCount);
    }

    [Fact]
    public async Task OtherEndpoints_PassThroughUntouched()
    {
        await using var h = await CompletionsHarness.StartAsync();
        var models = new OpenAIModelClient(new ApiKeyCredential("test-key"), Options(h));

        OpenAIModelCollection list = await models.GetModelsAsync(TestContext.Current.CancellationToken);

        Assert.Contains(list, m => m.Id == "fake-model");
    }

    [Fact]
    public async Task BadMcpTool_SdkSeesA400WithTheReason()
    {
        await using var h = await CompletionsHarness.StartAsync();
        var options = new ChatCompletionOptions();
#pragma warning disable SCME0001
        options.Patch.Append("$.tools"u8, BinaryData.FromString("""{"type":"mcp","server_url":"https://a.example/mcp","require_approval":"sometimes"}"""));
#pragma warning restore SCME0001

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Chat(h).CompleteChatAsync([new UserChatMessage("x")], options, TestContext.Current.CancellationToken));

        Assert.Equal(400, ex.Status);
        Assert.Contains("'require_approval' must be", ex.Message);
        Assert.Equal(0, h.Llm.RequestCount);
    }
}
