using System.ClientModel;
using System.ClientModel.Primitives;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Completions.Transport;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace McpSubAgent.Completions.Tests.Transport;

/// <summary>The handler registered the usual way, as a message handler of a named client of <c>IHttpClientFactory</c>.</summary>
public sealed class HttpClientFactoryTests
{
    [Fact]
    public async Task AddHttpMessageHandler_NamedClient_RunsMcpToolsThroughTheFactorysHandlers()
    {
        await using var h = await CompletionsHarness.StartAsync(services: s => s.AddHttpClient("openai").AddHttpMessageHandler<McpCompletionsHandler>());
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_add", """{"a":2,"b":3}""")), LlmReply.Text("Five."));
        var http = h.Services.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
        var chat = new ChatClient("fake-model", new ApiKeyCredential("test-key"), new OpenAIClientOptions
        {
            Endpoint = h.Llm.BaseUrl,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

        var completion = await chat.CompleteChatAsync(
            [new SystemChatMessage($"---\nmcp: {h.Mcp.Endpoint}\n---\nYou add."), new UserChatMessage("2 + 3?")],
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.EndsWith("Five.", completion.Value.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal(1, h.Mcp.CallCount("add"));
        Assert.Equal(2, h.Llm.RequestCount);
    }
}
