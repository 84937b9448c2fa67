using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using McpSubAgent.Completions.Transport;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>
/// An app that runs MCP tools itself with <see cref="McpCompletionsHandler"/> as the SDK's transport, and uses our /v1 as
/// its OpenAI-compatible upstream: our endpoint must then behave as a plain upstream, returning the app's tool calls.
/// </summary>
public sealed class TransportHandlerTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HandlerInFrontOfOurEndpoint_RunsTheToolLocally_AndOurEndpointRelaysTheModel(bool streaming)
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync($"handler-{streaming}@example.com");
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, """{"text":"via handler"}""")),
            LlmReply.Text("Relayed."));
        await using var app = new ServiceCollection().AddMcpCompletions(o => o.AllowPrivateNetworkServers = true).BuildServiceProvider();
        using var transport = new HttpClient(app.GetRequiredService<McpCompletionsHandler>());
        var chat = new ChatClient("fake-model", new ApiKeyCredential(token),
            new OpenAIClientOptions { Endpoint = h.V1, Transport = new HttpClientPipelineTransport(transport), RetryPolicy = new ClientRetryPolicy(0) });
        ChatMessage[] messages = [new SystemChatMessage(h.FrontMatter()), new UserChatMessage("Echo via the handler.")];

        string text;
        if (streaming)
        {
            var streamed = new StringBuilder();
            await foreach (var update in chat.CompleteChatStreamingAsync(messages, cancellationToken: TestContext.Current.CancellationToken))
            {
                foreach (var part in update.ContentUpdate)
                {
                    streamed.Append(part.Text);
                }
            }

            text = streamed.ToString();
        }
        else
        {
            ChatCompletion completion = await chat.CompleteChatAsync(messages, cancellationToken: TestContext.Current.CancellationToken);
            text = completion.Content[0].Text;
        }

        Assert.Contains("echo: via handler", text, StringComparison.Ordinal);
        Assert.EndsWith("Relayed.", text, StringComparison.Ordinal);
        Assert.Equal(1, h.Downstream.CallCount("echo"));

        // The app's handler offered the MCP tool as a plain function through our endpoint, and sent back its result.
        Assert.Equal(2, h.Llm.RequestCount);
        Assert.Contains(OpenAIApiHarness.EchoTool, h.Llm.Requests[0].ToolNames);
        Assert.Equal("tool", (string?)h.Llm.Requests[1].Messages.Last()!["role"]);
        Assert.Contains("via handler", (string?)h.Llm.Requests[1].Messages.Last()!["content"], StringComparison.Ordinal);
        Assert.All(h.Llm.Requests, r => Assert.Equal($"Bearer {OpenAIApiHarness.UpstreamKey}", r.Header("Authorization")));
    }
}
