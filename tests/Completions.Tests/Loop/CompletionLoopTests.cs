using System.Text.Json.Nodes;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;

namespace McpSubAgent.Completions.Tests.Loop;

public sealed class CompletionLoopTests
{
    private const string Echo = "mcp_127-0-0-1_echo";

    [Fact]
    public async Task Stream_ToolRoundThenAnswer_ShowsToolBlocksAndAnswer()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", Echo, """{"text":"hi"}""")) with { Content = "Let me check. " },
            LlmReply.Text("The tool said hi."));

        var answer = await h.StreamAsync(CompletionsHarness.Body("say hi", stream: true, h.McpTool()));

        Assert.Contains("Let me check. ", answer.Content);
        Assert.Contains($"<details><summary>🔧 echo ({h.Mcp.Endpoint.Authority})</summary>", answer.Content);
        Assert.Contains("```json\n{\n  \"text\": \"hi\"\n}\n```", answer.Content);
        Assert.Contains("<details><summary>Result (±2 tokens)</summary>", answer.Content);
        Assert.Contains("echo: hi", answer.Content);
        Assert.EndsWith("The tool said hi.", answer.Content);
        Assert.Equal(1, h.Mcp.CallCount("echo"));
        Assert.Equal(2, h.Llm.RequestCount);

        // The model's words are passed on chunk by chunk (the fake sends 4 characters a chunk), not buffered.
        Assert.Contains(answer.Chunks, c => (string?)c["choices"]?.AsArray().FirstOrDefault()?["delta"]?["content"] == "The ");
        Assert.Contains(answer.Chunks, c => (string?)c["choices"]?.AsArray().FirstOrDefault()?["delta"]?["content"] == "tool");
    }

    [Fact]
    public async Task Stream_TwoRounds_OneIdOneFinishReasonAndSummedUsage()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", Echo, """{"text":"a"}""")) with { Usage = new LlmUsage(100, 7) },
            LlmReply.Text("done", new LlmUsage(150, 3)));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Single(answer.Ids);
        Assert.StartsWith("chatcmpl-", answer.Ids[0]);
        Assert.Equal(["stop"], answer.FinishReasons.Where(r => r is not null));
        Assert.Equal("stop", answer.FinishReasons[^1]);
        Assert.Equal("assistant", (string?)answer.Chunks[0]["choices"]![0]!["delta"]!["role"]);
        Assert.Equal(250, (int)answer.Usage!["prompt_tokens"]!);
        Assert.Equal(10, (int)answer.Usage!["completion_tokens"]!);
        Assert.Equal(260, (int)answer.Usage!["total_tokens"]!);
        Assert.Empty((JsonArray)answer.Chunks[^1]["choices"]!);
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_SendsNoUsageChunk()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("hello"));
        var body = CompletionsHarness.Body("hi", stream: true, h.McpTool());
        body.Remove("stream_options");

        var answer = await h.StreamAsync(body);

        Assert.Null(answer.Usage);
        Assert.Equal("hello", answer.Content);

        // The engine still asks the upstream for usage, to sum it.
        Assert.True(h.Llm.Requests[0].IncludeUsage);
    }

    [Fact]
    public async Task NonStream_ReturnsOneCompletionWithAllContentAndSummedUsage()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", Echo, """{"text":"x"}""")),
            LlmReply.Text("final answer"));

        var completion = await h.CompleteAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal("chat.completion", (string?)completion["object"]);
        var choice = completion["choices"]![0]!;
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        var content = (string)choice["message"]!["content"]!;
        Assert.Contains("echo: x", content);
        Assert.EndsWith("final answer", content);
        Assert.Equal(30, (int)completion["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task ToolRound_UpstreamGetsToolsAndThenTheResultsInCallOrder()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(
                new LlmToolCall("call_slow", "mcp_127-0-0-1_slow", """{"milliseconds":300}"""),
                new LlmToolCall("call_add", "mcp_127-0-0-1_add", """{"a":2,"b":3}""")),
            LlmReply.Text("ok"));

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        var first = h.Llm.Requests[0];
        Assert.Contains(Echo, first.ToolNames);
        Assert.Contains("mcp_127-0-0-1_add", first.ToolNames);
        Assert.True(first.Stream);
        Assert.DoesNotContain(first.Body["tools"]!.AsArray(), t => (string?)t!["type"] == "mcp");

        var messages = h.Llm.Requests[1].Messages;
        var assistant = messages[1]!;
        Assert.Equal("assistant", (string?)assistant["role"]);
        Assert.Equal(2, assistant["tool_calls"]!.AsArray().Count);
        Assert.Equal("call_slow", (string?)messages[2]!["tool_call_id"]);
        Assert.Equal("slept 300 ms", (string?)messages[2]!["content"]);
        Assert.Equal("call_add", (string?)messages[3]!["tool_call_id"]);
        Assert.Equal("5", (string?)messages[3]!["content"]);
    }

    [Fact]
    public async Task ToolRound_CallsOfOneRoundRunConcurrently()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(
                new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":1500}"""),
                new LlmToolCall("c2", "mcp_127-0-0-1_slow", """{"milliseconds":1500}"""),
                new LlmToolCall("c3", "mcp_127-0-0-1_slow", """{"milliseconds":1500}""")),
            LlmReply.Text("ok"));

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        // Run one after another, each call would start 1.5 s after the one before.
        var starts = h.Mcp.Calls.Select(c => c.At).Order().ToList();
        Assert.Equal(3, starts.Count);
        Assert.True(starts[^1] - starts[0] < TimeSpan.FromSeconds(1), $"calls started {starts[^1] - starts[0]} apart");
    }

    [Fact]
    public async Task CallerFunction_IsReturnedUnchangedWithFinishReasonToolCalls()
    {
        await using var h = await CompletionsHarness.StartAsync();
        var weather = new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "get_weather", ["parameters"] = new JsonObject { ["type"] = "object" } },
        };
        h.Llm.Enqueue(LlmReply.ToolCalls(
            new LlmToolCall("call_mcp", Echo, """{"text":"side"}"""),
            new LlmToolCall("call_weather", "get_weather", """{"city":"Oslo"}""")));

        var answer = await h.StreamAsync(CompletionsHarness.Body("weather?", stream: true, h.McpTool(), weather));

        Assert.Equal(["tool_calls"], answer.FinishReasons.Where(r => r is not null));
        var calls = answer.Chunks.Select(c => c["choices"]?.AsArray().FirstOrDefault()?["delta"]?["tool_calls"]).Single(t => t is not null)!.AsArray();
        var call = Assert.Single(calls)!;
        Assert.Equal(0, (int)call["index"]!);
        Assert.Equal("call_weather", (string?)call["id"]);
        Assert.Equal("get_weather", (string?)call["function"]!["name"]);
        Assert.Equal("""{"city":"Oslo"}""", (string?)call["function"]!["arguments"]);

        // The MCP call of the same round ran and is shown; the caller's function is in the offered tools.
        Assert.Equal(1, h.Mcp.CallCount("echo"));
        Assert.Contains("echo: side", answer.Content);
        Assert.Contains("get_weather", h.Llm.Requests[0].ToolNames);
    }

    [Fact]
    public async Task CallerFunction_CallerSendsResultBack_RunContinuesToAnswer()
    {
        await using var h = await CompletionsHarness.StartAsync();
        var weather = new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "get_weather", ["parameters"] = new JsonObject { ["type"] = "object" } },
        };
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_weather", "get_weather", """{"city":"Oslo"}""")),
            LlmReply.Text("It is sunny in Oslo."));

        var first = await h.CompleteAsync(CompletionsHarness.Body("weather?", stream: false, h.McpTool(), weather));
        Assert.Equal("tool_calls", (string?)first["choices"]![0]!["finish_reason"]);
        var assistant = first["choices"]![0]!["message"]!.DeepClone();
        Assert.Null(assistant["tool_calls"]![0]!["index"]);

        var followUp = CompletionsHarness.Body("weather?", stream: false, h.McpTool(), weather.DeepClone());
        followUp["messages"]!.AsArray().Add(assistant);
        followUp["messages"]!.AsArray().Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_weather", ["content"] = "sunny" });
        var second = await h.CompleteAsync(followUp);

        Assert.Equal("stop", (string?)second["choices"]![0]!["finish_reason"]);
        Assert.Equal("It is sunny in Oslo.", (string?)second["choices"]![0]!["message"]!["content"]);
        var sent = h.Llm.Requests[1].Messages;
        Assert.Equal("sunny", (string?)sent[^1]!["content"]);
        Assert.Equal("call_weather", (string?)sent[^2]!["tool_calls"]![0]!["id"]);
    }

    [Fact]
    public async Task MaxRounds_StopsAndSaysSo()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.MaxRounds = 5);
        var n = 0;
        h.Llm.Responder = _ => LlmReply.ToolCalls(new LlmToolCall($"call_{Interlocked.Increment(ref n)}", Echo, """{"text":"again"}"""));
        var body = CompletionsHarness.Body("loop", stream: true, h.McpTool());
        body["max_rounds"] = 2;

        var answer = await h.StreamAsync(body);

        Assert.Equal(2, h.Llm.RequestCount);
        Assert.Equal(2, h.Mcp.CallCount("echo"));
        Assert.Contains("Stopped after 2 tool rounds", answer.Content);
        Assert.Equal("stop", answer.FinishReasons[^1]);
        Assert.Null(h.Llm.Requests[0].Body["max_rounds"]);
    }

    [Fact]
    public async Task MaxRounds_DefaultsToConfiguredLimit()
    {
        await using var h = await CompletionsHarness.StartAsync(o => o.MaxRounds = 3);
        h.Llm.Responder = r => LlmReply.ToolCalls(new LlmToolCall($"call_{r.Messages.Count}", Echo, """{"text":"again"}"""));

        var answer = await h.StreamAsync(CompletionsHarness.Body("loop", stream: true, h.McpTool()));

        Assert.Equal(3, h.Llm.RequestCount);
        Assert.Contains("Stopped after 3 tool rounds", answer.Content);
    }

    [Fact]
    public async Task TextOutput_ShowsOnlyTheModelsWords()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", Echo, """{"text":"x"}""")), LlmReply.Text("just this"));
        var body = CompletionsHarness.Body("go", stream: true, h.McpTool());
        body["mcp_output"] = "text";

        var answer = await h.StreamAsync(body);

        Assert.Equal("just this", answer.Content);
        Assert.Equal(1, h.Mcp.CallCount("echo"));
        Assert.Null(h.Llm.Requests[0].Body["mcp_output"]);
    }

    [Fact]
    public async Task ProviderFields_PassThroughToTheUpstream()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("ok"));
        var body = CompletionsHarness.Body("go", stream: true, h.McpTool());
        body["temperature"] = 0.25;
        body["reasoning"] = new JsonObject { ["effort"] = "high" };
        body["user"] = "end-user-7";

        await h.StreamAsync(body);

        var sent = h.Llm.Requests[0].Body;
        Assert.Equal(0.25, (double)sent["temperature"]!);
        Assert.Equal("high", (string?)sent["reasoning"]!["effort"]);
        Assert.Equal("end-user-7", (string?)sent["user"]);
        Assert.Equal("fake-model", (string?)sent["model"]);
    }
}
