using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Completions.Usage;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Completions.Tests.Loop;

/// <summary>The engine driven directly, as the sub-agent server drives it: events rather than OpenAI chunks.</summary>
public sealed class EngineEventsTests
{
    private static async Task<List<CompletionEvent>> RunAsync(CompletionsHarness h, ChatCompletionRequest request, CompletionRunContext? context = null)
    {
        var engine = h.Services.GetRequiredService<McpCompletionsEngine>();
        using var http = new HttpClient();
        var upstream = new HttpChatCompletionsUpstream(http, h.Llm.BaseUrl, "sk-upstream");
        var events = new List<CompletionEvent>();
        await foreach (var e in engine.RunAsync(request.Run, context ?? new CompletionRunContext("user-1"), upstream, TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task RunAsync_ToolRound_YieldsEventsInOrderWithTheTranscript()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_add", """{"a":1,"b":2}""")), LlmReply.Text("3"));
        var request = ChatCompletionRequestParser.Parse(CompletionsHarness.Body("1+2", stream: true, h.McpTool()));

        var events = await RunAsync(h, request);

        var kinds = events.Where(e => e is not ContentDelta).Select(e => e.GetType().Name).ToList();
        Assert.Equal([nameof(RunStarted), nameof(McpToolsListed), nameof(ToolRoundStarting), nameof(ToolCallStarted), nameof(ToolCallCompleted), nameof(RoundCompleted),
            nameof(CompletionFinished)], kinds);
        var listed = Assert.Single(events.OfType<McpToolsListed>().Single().Servers);
        Assert.Equal(h.Mcp.Endpoint, listed.Server.ServerUrl);
        Assert.Null(listed.Error);
        Assert.Contains(listed.Tools, t => t.Name == "add");
        var starting = events.OfType<ToolRoundStarting>().Single();
        Assert.Equal("c1", (string?)starting.AssistantMessage["tool_calls"]![0]!["id"]);
        var started = events.OfType<ToolCallStarted>().Single().Call;
        Assert.Equal("add", started.ToolName);
        Assert.Equal("mcp_127-0-0-1_add", started.FunctionName);
        Assert.Equal(h.Mcp.Endpoint, started.ServerUrl);
        Assert.Equal(1, started.Round);
        var completed = events.OfType<ToolCallCompleted>().Single();
        Assert.Equal(ToolCallStatus.Succeeded, completed.Status);
        Assert.Equal("3", completed.Result);
        var round = events.OfType<RoundCompleted>().Single();
        Assert.Equal(["assistant", "tool"], round.AppendedMessages.Select(m => (string?)m["role"]));
        var finished = events.OfType<CompletionFinished>().Single();
        Assert.Equal(RunOutcome.Completed, finished.Outcome);
        Assert.Equal(new TokenUsage(20, 10, 30), finished.Usage);
        Assert.Equal("3", string.Concat(events.OfType<ContentDelta>().Where(d => d.FromModel).Select(d => d.Text)));
        Assert.All(h.Llm.Requests, r => Assert.Equal("Bearer sk-upstream", r.Header("Authorization")));
    }

    [Fact]
    public async Task RunAsync_SameRequestTwice_DoesNotCarryTheFirstRunsMessages()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Responder = r => r.Messages.Count == 1
            ? LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"x"}"""))
            : LlmReply.Text("done");
        var request = ChatCompletionRequestParser.Parse(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        await RunAsync(h, request);
        await RunAsync(h, request);

        Assert.Single(request.Run.Messages);
        Assert.Single(h.Llm.Requests[2].Messages);
    }

    [Fact]
    public async Task RunAsync_ContextOverridesRoundsAndProfile()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Responder = r => LlmReply.ToolCalls(new LlmToolCall($"c{r.Messages.Count}", "mcp_127-0-0-1_echo", """{"text":"x"}"""));
        var body = CompletionsHarness.Body("go", stream: true, h.McpTool());
        body["max_rounds"] = 5;
        var request = ChatCompletionRequestParser.Parse(body);

        var events = await RunAsync(h, request, new CompletionRunContext("user-1") { MaxRounds = 1, RunId = "chatcmpl-fixed" });

        Assert.Equal(1, h.Llm.RequestCount);
        Assert.Equal(RunOutcome.MaxRoundsReached, events.OfType<CompletionFinished>().Single().Outcome);
    }

    [Fact]
    public async Task ProviderWithoutToolCallIds_EachCallStillGetsItsOwnResult()
    {
        await using var h = await CompletionsHarness.StartAsync();
        const string sse = """
            data: {"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"type":"function","function":{"name":"mcp_127-0-0-1_add","arguments":"{\"a\":1,\"b\":1}"}}]}}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"type":"function","function":{"name":"mcp_127-0-0-1_add","arguments":"{\"a\":2,\"b\":2}"}}]}}]}

            data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

            data: [DONE]


            """;
        h.Llm.Enqueue(LlmReply.Raw(200, sse.ReplaceLineEndings("\n"), "text/event-stream"), LlmReply.Text("2 and 4"));
        var request = ChatCompletionRequestParser.Parse(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        await RunAsync(h, request);

        var sent = h.Llm.Requests[1].Messages;
        var ids = sent[1]!["tool_calls"]!.AsArray().Select(c => (string)c!["id"]!).ToList();
        Assert.Equal(2, ids.Distinct().Count());
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(ids[0], (string?)sent[2]!["tool_call_id"]);
        Assert.Equal("2", (string?)sent[2]!["content"]);
        Assert.Equal(ids[1], (string?)sent[3]!["tool_call_id"]);
        Assert.Equal("4", (string?)sent[3]!["content"]);
    }

    [Fact]
    public async Task FrontMatterWithOnlyAProfile_IsStillRemovedBeforeTheModelSeesIt()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("hi"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("---\nprofile: work\n---\nhello", stream: true));

        Assert.Equal("hi", answer.Content);
        Assert.Equal("hello", (string?)h.Llm.Requests[0].Messages[0]!["content"]);
        Assert.Null(h.Llm.Requests[0].Body["tools"]);
    }

    [Fact]
    public async Task CallerFunctionNameThatIsNotAString_DoesNotBreakTheRun()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("fine"));
        var odd = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = 42 } };

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool(), odd));

        Assert.Equal("fine", answer.Content);
    }
}
