using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.ResponsesApi;

/// <summary>
/// <c>/v1/responses</c> through independent clients: the official <c>openai</c> npm package (<c>responses.create</c>,
/// <c>responses.stream</c>) and the OpenAI Agents SDK for JavaScript with <c>hostedMcpTool</c> (the <c>node</c> folder's
/// <c>responses.mjs</c>; building this project runs <c>npm ci</c> there).
/// </summary>
public sealed class ResponsesNodeClientTests
{
    private static async Task<JsonObject> RunAsync(OpenAIApiHarness h, string scenario)
    {
        var folder = SourceTree.Path("tests", "EndToEnd.Tests", "ResponsesApi", "node");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "@openai", "agents")),
            $"The npm packages are not installed: run `npm ci` in {folder} (building this test project does it).");
        var token = await h.SignInAsync($"{scenario}@node.example");
        var (exitCode, stdout, stderr) = await NodeScript.RunAsync(folder, TimeSpan.FromSeconds(60),
            "responses.mjs", scenario, h.V1.AbsoluteUri, token, h.Downstream.Endpoint.AbsoluteUri);
        Assert.True(exitCode == 0, $"node responses.mjs {scenario} exited with {exitCode}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        return JsonNode.Parse(stdout.Trim().Split('\n')[^1])!.AsObject();
    }

    [Fact]
    public async Task OpenAINpm_ResponsesCreate_McpToolCallAndAnswer()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_test_echo", """{"text":"hi"}""")), LlmReply.Text("Done."));

        var result = await RunAsync(h, "create");

        Assert.Equal("completed", (string?)result["status"]);
        Assert.Equal("Done.", (string?)result["text"]);
        Assert.Equal(["mcp_list_tools", "mcp_call", "message"], result["types"]!.AsArray().Select(t => (string?)t));
        Assert.Contains("hi", (string?)result["call"]!["output"], StringComparison.Ordinal);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task OpenAINpm_ResponsesStream_EventsInSequenceAndFinalResponse()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_test_echo", """{"text":"hi"}""")), LlmReply.Text("Done."));

        var result = await RunAsync(h, "stream");

        Assert.Equal("completed", (string?)result["status"]);
        Assert.Equal("Done.", (string?)result["text"]);
        var events = result["events"]!.AsArray();
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => (int)e!["sequence"]!));
        var types = events.Select(e => (string?)e!["type"]).ToList();
        Assert.Equal("response.created", types[0]);
        Assert.Equal("response.completed", types[^1]);
        Assert.Contains("response.mcp_call.completed", types);
        Assert.Contains("response.output_text.delta", types);
    }

    [Fact]
    public async Task OpenAINpm_FunctionToolWithPreviousResponseId()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("call_1", "get_weather", """{"city":"Paris"}""")), LlmReply.Text("It is sunny."));

        var result = await RunAsync(h, "functions");

        Assert.Equal("get_weather", (string?)result["call"]!["name"]);
        Assert.Equal("call_1", (string?)result["call"]!["call_id"]);
        Assert.Equal("It is sunny.", (string?)result["text"]);
        Assert.True((bool)result["previous"]!);
        Assert.Equal("sunny", (string?)h.Llm.Requests[1].Messages[^1]!["content"]);
    }

    [Fact]
    public async Task OpenAINpm_Approval_ApprovedCallRunsOnce()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_test_echo", """{"text":"hi"}""")), LlmReply.Text("Done."));

        var result = await RunAsync(h, "approval");

        Assert.Equal("echo", (string?)result["request"]!["name"]);
        Assert.Equal((string?)result["request"]!["id"], (string?)result["approvalRequestId"]);
        Assert.Contains("hi", (string?)result["output"], StringComparison.Ordinal);
        Assert.Equal("Done.", (string?)result["text"]);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task OpenAIAgentsJs_HostedMcpTool_RunsTheCallOnOurServer()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_test_echo", """{"text":"hi"}""")), LlmReply.Text("Echoed hi."));

        var result = await RunAsync(h, "agents");

        Assert.Equal("Echoed hi.", (string?)result["text"]);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }
}
