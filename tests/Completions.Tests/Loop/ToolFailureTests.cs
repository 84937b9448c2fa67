using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.Completions.Tests.Loop;

public sealed class ToolFailureTests
{
    [Fact]
    public async Task ToolReturnsIsError_ModelSeesErrorAndAnswerShowsIt()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_fail", """{"message":"disk full"}""")), LlmReply.Text("sorry"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Contains($"**Error**: fail ({h.Mcp.Endpoint.Authority}): disk full", answer.Content);
        Assert.Equal("Error: disk full", (string?)h.Llm.Requests[1].Messages[^1]!["content"]);
        Assert.EndsWith("sorry", answer.Content);
    }

    [Fact]
    public async Task ToolThrowsJsonRpcError_ModelSeesErrorAndRunGoesOn()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_crash", """{"message":"kaboom"}""")), LlmReply.Text("noted"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        var toolMessage = (string)h.Llm.Requests[1].Messages[^1]!["content"]!;
        Assert.StartsWith("Error: ", toolMessage);
        Assert.Contains("kaboom", toolMessage);
        Assert.Contains($"**Error**: crash ({h.Mcp.Endpoint.Authority})", answer.Content);
        Assert.EndsWith("noted", answer.Content);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerGoneBeforeTheCall_ModelIsToldWhatHappened_ExceptionTextOnlyWhenDetailedErrorsAreOn(bool detailed)
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.IncludeDetailedErrors = detailed);
        h.Llm.Enqueue(LlmReply.Text("listed"));
        await h.StreamAsync(CompletionsHarness.Body("list the tools", stream: true, h.McpTool()));

        // The tool list is cached: the next run offers the tool, and its call finds nobody listening.
        await h.Mcp.DisposeAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"hi"}""")), LlmReply.Text("gone"));
        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        var toolMessage = (string)h.Llm.Requests[^1].Messages[^1]!["content"]!;
        Assert.StartsWith("Error: the server could not be reached or closed the session", toolMessage, StringComparison.Ordinal);
        Assert.Equal(detailed, toolMessage.Contains("refused", StringComparison.OrdinalIgnoreCase));
        Assert.Contains($"**Error**: echo ({h.Mcp.Endpoint.Authority}): the server could not be reached", answer.Content);
    }

    [Fact]
    public async Task ToolTakesTooLong_TimesOutAsAResult()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.ToolCallTimeout = TimeSpan.FromMilliseconds(300));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":20000}""")), LlmReply.Text("too slow"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Contains("did not answer within 0.3 s", answer.Content);
        Assert.Contains("did not answer within 0.3 s", (string)h.Llm.Requests[1].Messages[^1]!["content"]!);
        Assert.EndsWith("too slow", answer.Content);
    }

    [Fact]
    public async Task ModelSendsArgumentsThatAreNotJson_ToolIsNotCalled()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text": """)), LlmReply.Text("retrying"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Equal(0, h.Mcp.CallCount("echo"));
        Assert.Contains("the arguments are not valid JSON", (string)h.Llm.Requests[1].Messages[^1]!["content"]!);
        Assert.Contains($"**Error**: echo ({h.Mcp.Endpoint.Authority}): the arguments are not valid JSON", answer.Content);
    }

    [Fact]
    public async Task ServerGoneBeforeTheCall_BecomesAnErrorResult()
    {
        await using var h = await CompletionsHarness.StartAsync();
        var round = 0;
        h.Llm.Responder = _ =>
        {
            if (Interlocked.Increment(ref round) == 1)
            {
                // The server dies after its tools were listed, before the model's call reaches it.
                h.Mcp.DisposeAsync().AsTask().GetAwaiter().GetResult();
                return LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"anyone?"}"""));
            }

            return LlmReply.Text("the server is gone");
        };

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Contains($"**Error**: echo ({h.Mcp.Endpoint.Authority})", answer.Content);
        Assert.StartsWith("Error: ", (string)h.Llm.Requests[1].Messages[^1]!["content"]!);
        Assert.EndsWith("the server is gone", answer.Content);
    }

    [Fact]
    public async Task UnreachableServer_IsShownAndTheModelAnswersWithoutIt()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.ConnectTimeout = TimeSpan.FromSeconds(5));
        h.Llm.Enqueue(LlmReply.Text("I have fewer tools"));
        var dead = new Uri("http://127.0.0.1:1/mcp");

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool(), h.McpTool(dead)));

        Assert.Contains("**Error**: Could not reach the MCP server http://127.0.0.1:1/mcp", answer.Content);
        Assert.EndsWith("I have fewer tools", answer.Content);
        Assert.Contains("mcp_127-0-0-1_echo", h.Llm.Requests[0].ToolNames);
    }

    [Fact]
    public async Task OnlyServerUnreachable_ModelIsCalledWithoutTools()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.ConnectTimeout = TimeSpan.FromSeconds(5));
        h.Llm.Enqueue(LlmReply.Text("no tools today"));
        var body = CompletionsHarness.Body("go", stream: false, h.McpTool(new Uri("http://127.0.0.1:1/mcp")));
        body["tool_choice"] = "auto";

        var completion = await h.CompleteAsync(body);

        Assert.EndsWith("no tools today", (string)completion["choices"]![0]!["message"]!["content"]!);
        Assert.Null(h.Llm.Requests[0].Body["tools"]);
        Assert.Null(h.Llm.Requests[0].Body["tool_choice"]);
    }

    [Fact]
    public async Task ImageResult_IsEmbeddedForThePersonAndNamedForTheModel()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_image", "{}")), LlmReply.Text("a picture"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Contains("![image](data:image/png;base64,", answer.Content);
        var toolMessage = (string)h.Llm.Requests[1].Messages[^1]!["content"]!;
        Assert.Contains("[image: image/png, shown to the user]", toolMessage);
        Assert.Contains("a tiny image", toolMessage);
        Assert.DoesNotContain("base64", toolMessage);
    }

    [Fact]
    public async Task LongResult_IsTruncatedInTheAnswerButNotForTheModel()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.MaxResultCharactersShown = 1000);
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_big", """{"length":50000}""")), LlmReply.Text("long"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Contains("*… truncated: 1,000 of 50,000 characters shown.*", answer.Content);
        Assert.True(answer.Content.Length < 5000);
        Assert.Equal(50000, ((string)h.Llm.Requests[1].Messages[^1]!["content"]!).Length);
    }

    [Fact]
    public async Task HugeResult_IsTruncatedForTheModelWithANote()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.MaxResultCharactersForModel = 2000);
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_big", """{"length":9000}""")), LlmReply.Text("ok"));

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        var toolMessage = (string)h.Llm.Requests[1].Messages[^1]!["content"]!;
        Assert.EndsWith("[truncated: 2000 of 9000 characters]", toolMessage);
    }
}
