using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenAI;
using OpenAI.Chat;

namespace McpSubAgent.Completions.Tests.Approvals;

/// <summary>An app approves held MCP calls through the official OpenAI .NET SDK: the calls come back as tool calls under approval ids.</summary>
public sealed class ProgrammaticApprovalTests
{
    private const string EchoFunction = "mcp_127-0-0-1_echo";

    private static ChatClient Chat(CompletionsHarness h) => new("fake-model", new ApiKeyCredential("test-key"), new OpenAIClientOptions
    {
        Endpoint = h.Llm.BaseUrl,
        Transport = new HttpClientPipelineTransport(new HttpClient(h.Handler)),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private static ChatCompletionOptions Options(CompletionsHarness h, string requireApproval = "\"always\"", string? user = null)
    {
        var options = new ChatCompletionOptions { EndUserId = user };
#pragma warning disable SCME0001 // The SDK marks JSON patches as an evaluation API.
        options.Patch.Append("$.tools"u8, BinaryData.FromString($$"""{"type":"mcp","server_url":"{{h.Mcp.Endpoint}}","require_approval":{{requireApproval}}}"""));
#pragma warning restore SCME0001
        return options;
    }

    private static async Task<(List<ChatMessage> Messages, ChatToolCall Call)> HeldAsync(CompletionsHarness h, ChatCompletionOptions options)
    {
        List<ChatMessage> messages = [new UserChatMessage("Echo hi.")];
        ChatCompletion first = await Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        messages.Add(new AssistantChatMessage(first));
        return (messages, call);
    }

    [Fact]
    public async Task Approve_RunsExactlyTheHeldCallOnceAndTheModelGoesOn()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));
        var options = Options(h);

        var (messages, call) = await HeldAsync(h, options);
        Assert.StartsWith("mcpapr_", call.Id);
        Assert.Equal("echo", call.FunctionName);
        Assert.Equal("""{"text":"hi"}""", call.FunctionArguments.ToString());
        Assert.Equal(0, h.Mcp.CallCount("echo"));

        messages.Add(new ToolChatMessage(call.Id, "approve"));
        ChatCompletion second = await Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);

        Assert.EndsWith("Done.", second.Content[0].Text);
        Assert.Equal(1, h.Mcp.CallCount("echo"));
        var sent = h.Llm.Requests[1].Messages;
        Assert.Equal("c1", (string?)sent[1]!["tool_calls"]![0]!["id"]);
        Assert.Equal(EchoFunction, (string?)sent[1]!["tool_calls"]![0]!["function"]!["name"]);
        Assert.Equal("c1", (string?)sent[2]!["tool_call_id"]);
        Assert.Equal("echo: hi", (string?)sent[2]!["content"]);
        Assert.DoesNotContain(sent, m => ((string?)m?["tool_call_id"])?.StartsWith("mcpapr_", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Deny_CallNeverReachesTheServerAndTheModelIsTold()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Understood."));
        var options = Options(h);

        var (messages, call) = await HeldAsync(h, options);
        messages.Add(new ToolChatMessage(call.Id, """{"approve":false,"reason":"not today"}"""));
        ChatCompletion second = await Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);

        Assert.EndsWith("Understood.", second.Content[0].Text);
        Assert.Contains("Denied", second.Content[0].Text);
        Assert.Equal(0, h.Mcp.CallCount("echo"));
        var toolMessage = (string?)h.Llm.Requests[1].Messages[2]!["content"];
        Assert.Contains("denied by the user", toolMessage);
        Assert.Contains("not today", toolMessage);
    }

    [Fact]
    public async Task Replay_OfAnUsedApprovalIsRefused()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));
        var options = Options(h);
        var (messages, call) = await HeldAsync(h, options);
        messages.Add(new ToolChatMessage(call.Id, "approve"));
        await Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken));

        Assert.Equal(400, ex.Status);
        Assert.Contains("already used", ex.Message);
        Assert.Equal(1, h.Mcp.CallCount("echo"));
        Assert.Equal(2, h.Llm.RequestCount);
    }

    [Fact]
    public async Task AnotherUser_IsRefusedAndTheOwnerCanStillApprove()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));
        var (messages, call) = await HeldAsync(h, Options(h, user: "alice"));
        messages.Add(new ToolChatMessage(call.Id, "approve"));

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Chat(h).CompleteChatAsync(messages, Options(h, user: "mallory"), TestContext.Current.CancellationToken));
        Assert.Equal(400, ex.Status);
        Assert.Contains("another user", ex.Message);
        Assert.Equal(0, h.Mcp.CallCount("echo"));

        await Chat(h).CompleteChatAsync(messages, Options(h, user: "alice"), TestContext.Current.CancellationToken);
        Assert.Equal(1, h.Mcp.CallCount("echo"));
    }

    [Fact]
    public async Task Expired_ApprovalIsRefusedAndTheCallNeverMade()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var h = await CompletionsHarness.StartAsync(o => o.ApprovalLifetime = TimeSpan.FromMinutes(5), s => s.AddSingleton<TimeProvider>(time));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")));
        var options = Options(h);
        var (messages, call) = await HeldAsync(h, options);
        messages.Add(new ToolChatMessage(call.Id, "approve"));

        time.Advance(TimeSpan.FromMinutes(6));
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken));

        Assert.Equal(400, ex.Status);
        Assert.Contains("expired", ex.Message);
        Assert.Equal(0, h.Mcp.CallCount("echo"));
    }

    [Fact]
    public async Task ChangedArguments_AreRefusedAndNothingRuns()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")));
        var first = await h.CompleteAsync(Body(h, [new JsonObject { ["role"] = "user", ["content"] = "Echo hi." }]));
        var assistant = first["choices"]![0]!["message"]!.AsObject();
        var id = (string)assistant["tool_calls"]![0]!["id"]!;
        assistant["tool_calls"]![0]!["function"]!["arguments"] = """{"text":"something else"}""";

        using var response = await h.PostAsync(Body(h,
        [
            new JsonObject { ["role"] = "user", ["content"] = "Echo hi." },
            assistant.DeepClone(),
            new JsonObject { ["role"] = "tool", ["tool_call_id"] = id, ["content"] = "approve" },
        ]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["error"]!;
        Assert.Equal("invalid_approval", (string?)error["code"]);
        Assert.Contains("does not match", (string?)error["message"]);
        Assert.Equal(0, h.Mcp.CallCount("echo"));
    }

    [Fact]
    public async Task RoundWithAHeldCall_HoldsItsOtherCallsUntilTheAnswer()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}"""), new LlmToolCall("c2", "mcp_127-0-0-1_add", """{"a":1,"b":2}""")),
            LlmReply.Text("Done."));
        var options = Options(h, """{"never":{"tool_names":["add"]}}""");

        var (messages, call) = await HeldAsync(h, options);
        Assert.Equal("echo", call.FunctionName);
        Assert.Equal(0, h.Mcp.CallCount("add"));

        messages.Add(new ToolChatMessage(call.Id, "deny"));
        await Chat(h).CompleteChatAsync(messages, options, TestContext.Current.CancellationToken);

        Assert.Equal(0, h.Mcp.CallCount("echo"));
        Assert.Equal(1, h.Mcp.CallCount("add"));
        var sent = h.Llm.Requests[1].Messages;
        Assert.Equal(2, sent[1]!["tool_calls"]!.AsArray().Count);
        Assert.Contains("denied by the user", (string?)sent[2]!["content"]);
        Assert.Equal("3", (string?)sent[3]!["content"]);
    }

    private static JsonObject Body(CompletionsHarness h, JsonNode[] messages) => new()
    {
        ["model"] = "fake-model",
        ["messages"] = new JsonArray(messages),
        ["tools"] = new JsonArray(new JsonObject { ["type"] = "mcp", ["server_url"] = h.Mcp.Endpoint.AbsoluteUri, ["require_approval"] = "always" }),
    };
}
