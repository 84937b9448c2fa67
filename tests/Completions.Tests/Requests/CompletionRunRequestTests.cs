using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Completions.Tests.Requests;

/// <summary>The typed run request that every surface builds, run by the engine without a chat-completions body.</summary>
public sealed class CompletionRunRequestTests
{
    private static async Task<List<CompletionEvent>> RunAsync(CompletionsHarness h, CompletionRunRequest request)
    {
        var engine = h.Services.GetRequiredService<McpCompletionsEngine>();
        using var http = new HttpClient();
        var upstream = new HttpChatCompletionsUpstream(http, h.Llm.BaseUrl, "sk-upstream");
        var events = new List<CompletionEvent>();
        await foreach (var e in engine.RunAsync(request, new CompletionRunContext("user-1"), upstream, TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task RunAsync_BuiltRequest_CallsTheServersToolAndSendsTheUpstreamFields()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_add", """{"a":1,"b":2}""")), LlmReply.Text("3"));
        var request = new CompletionRunRequest
        {
            Messages = [new JsonObject { ["role"] = "user", ["content"] = "1+2" }],
            McpServers = [McpServerSpec.Create(h.Mcp.Endpoint.AbsoluteUri, "server_url")],
            Model = "model-x",
            UpstreamFields = new JsonObject { ["temperature"] = 0.5, ["stream"] = false, ["messages"] = "ignored" },
        };

        var events = await RunAsync(h, request);

        Assert.Equal("3", events.OfType<ToolCallCompleted>().Single().Result);
        var first = h.Llm.Requests[0];
        Assert.Equal("model-x", first.Model);
        Assert.Equal(0.5, (double)first.Body["temperature"]!);
        Assert.True(first.Stream);
        Assert.Equal("1+2", (string?)first.Messages[0]!["content"]);
        Assert.Contains("mcp_127-0-0-1_add", first.ToolNames);
        Assert.Single(request.Messages);
    }

    [Fact]
    public async Task RunAsync_InvalidRequest_ThrowsBeforeAnyEventOrUpstreamCall()
    {
        await using var h = await CompletionsHarness.StartAsync();
        var server = McpServerSpec.Create(h.Mcp.Endpoint.AbsoluteUri, "server_url");
        CompletionRunRequest[] invalid =
        [
            new() { Messages = [] },
            new() { Messages = [new JsonObject { ["role"] = "robot", ["content"] = "hi" }] },
            new() { Messages = [new JsonObject { ["role"] = "user", ["content"] = "hi" }], McpServers = [server, server] },
            new() { Messages = [new JsonObject { ["role"] = "user", ["content"] = "hi" }], MaxRounds = 0 },
            new() { Messages = [new JsonObject { ["role"] = "user", ["content"] = "hi" }], WaitForLogin = TimeSpan.FromHours(1) },
        ];

        foreach (var request in invalid)
        {
            await Assert.ThrowsAsync<InvalidRequestException>(() => RunAsync(h, request));
        }

        Assert.Empty(h.Llm.Requests);
    }

    [Theory]
    [InlineData("ftp://a.example/mcp", "must use http or https")]
    [InlineData("a.example/mcp", "is not an absolute URL")]
    [InlineData("https://me:secret@a.example/mcp", "must not carry credentials")]
    public void Create_RefusesWhatNoSurfaceMayDial(string url, string message)
    {
        var ex = Assert.Throws<InvalidRequestException>(() => McpServerSpec.Create(url, "mcp_servers"));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal("mcp_servers", ex.Param);
    }

    [Fact]
    public void FromToolEntry_DefaultApproval_AppliesOnlyWhenTheEntryHasNone()
    {
        var entry = new JsonObject { ["type"] = "mcp", ["server_url"] = "https://a.example/mcp#x", ["server_label"] = "a" };

        var defaulted = McpServerSpec.FromToolEntry(entry, "tools[0]", McpApprovalPolicy.AlwaysRequired);
        entry["require_approval"] = "never";
        var given = McpServerSpec.FromToolEntry(entry, "tools[0]", McpApprovalPolicy.AlwaysRequired);

        Assert.Equal(McpApprovalPolicy.AlwaysRequired, defaulted.RequireApproval);
        Assert.True(given.RequireApproval.IsNever);
        Assert.Equal("https://a.example/mcp", given.ServerUrl.AbsoluteUri);
        Assert.Equal("a", given.Label);
    }
}
