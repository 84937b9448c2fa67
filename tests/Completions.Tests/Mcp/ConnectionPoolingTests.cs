using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace McpSubAgent.Completions.Tests.Mcp;

public sealed class ConnectionPoolingTests
{
    private static int Connects(TestMcpServer server) => server.InitializeCount + server.DiscoverCount;

    [Fact]
    public async Task TwoRequests_SameUserAndServer_ShareOneConnectionAndOneToolList()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Responder = _ => LlmReply.Text("ok");

        await h.StreamAsync(CompletionsHarness.Body("one", stream: true, h.McpTool()));
        await h.StreamAsync(CompletionsHarness.Body("two", stream: true, h.McpTool()));

        Assert.Equal(1, Connects(h.Mcp));
        Assert.Equal(1, h.Mcp.ListToolsCount);
    }

    [Fact]
    public async Task TwoUsers_GetSeparateConnections()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Responder = _ => LlmReply.Text("ok");
        var alice = CompletionsHarness.Body("one", stream: true, h.McpTool());
        alice["user"] = "alice";
        var bob = CompletionsHarness.Body("two", stream: true, h.McpTool());
        bob["user"] = "bob";

        await h.StreamAsync(alice);
        await h.StreamAsync(bob);

        Assert.Equal(2, Connects(h.Mcp));
        Assert.Equal(2, h.Mcp.ListToolsCount);
    }

    [Fact]
    public async Task ConcurrentRequests_ShareOneConnectionAttempt()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Responder = _ => LlmReply.Text("ok");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => h.StreamAsync(CompletionsHarness.Body($"r{i}", stream: true, h.McpTool()))));

        Assert.Equal(1, Connects(h.Mcp));
    }

    [Fact]
    public async Task ToolList_IsListedAgainAfterTheCacheDuration()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var h = await CompletionsHarness.StartAsync(
            o => o.ToolListCacheDuration = TimeSpan.FromMinutes(5),
            s => s.AddSingleton<TimeProvider>(time));
        h.Llm.Responder = _ => LlmReply.Text("ok");

        await h.StreamAsync(CompletionsHarness.Body("one", stream: true, h.McpTool()));
        time.Advance(TimeSpan.FromMinutes(4));
        await h.StreamAsync(CompletionsHarness.Body("two", stream: true, h.McpTool()));
        Assert.Equal(1, h.Mcp.ListToolsCount);

        time.Advance(TimeSpan.FromMinutes(2));
        await h.StreamAsync(CompletionsHarness.Body("three", stream: true, h.McpTool()));
        Assert.Equal(2, h.Mcp.ListToolsCount);
        Assert.Equal(1, Connects(h.Mcp));
    }

    [Fact]
    public async Task IdleConnection_IsClosedAndReopened()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var h = await CompletionsHarness.StartAsync(
            o => o.ConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            s => s.AddSingleton<TimeProvider>(time));
        h.Llm.Responder = _ => LlmReply.Text("ok");

        await h.StreamAsync(CompletionsHarness.Body("one", stream: true, h.McpTool()));
        time.Advance(TimeSpan.FromMinutes(11));
        await h.StreamAsync(CompletionsHarness.Body("two", stream: true, h.McpTool()));

        Assert.Equal(2, Connects(h.Mcp));
    }

    [Fact]
    public async Task ToolListChangedNotification_RefreshesTheCachedList()
    {
        await using var h = await CompletionsHarness.StartAsync(mcpOptions: new TestMcpServerOptions { Stateless = false });
        h.Llm.Responder = _ => LlmReply.Text("ok");

        await h.StreamAsync(CompletionsHarness.Body("one", stream: true, h.McpTool()));
        Assert.DoesNotContain("mcp_127-0-0-1_fresh_tool", h.Llm.Requests[^1].ToolNames);

        await h.Mcp.AddToolAsync("fresh_tool", "A tool added while the client was connected", TestContext.Current.CancellationToken);

        // The notification arrives on the session's stream shortly after; the list is cached for minutes otherwise.
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(10);
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            await h.StreamAsync(CompletionsHarness.Body("again", stream: true, h.McpTool()));
        }
        while (!h.Llm.Requests[^1].ToolNames.Contains("mcp_127-0-0-1_fresh_tool") && TimeProvider.System.GetUtcNow() < deadline);

        Assert.Contains("mcp_127-0-0-1_fresh_tool", h.Llm.Requests[^1].ToolNames);
        Assert.Equal(1, Connects(h.Mcp));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerRestartedOnTheSamePort_SecondRunCallsTheToolWithoutAnError(bool stateless)
    {
        await using var h = await CompletionsHarness.StartAsync(mcpOptions: new TestMcpServerOptions { Stateless = stateless });
        var echo = LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"hello"}"""));
        h.Llm.Enqueue(echo, LlmReply.Text("first"));
        var first = await h.StreamAsync(CompletionsHarness.Body("one", stream: true, h.McpTool()));
        Assert.DoesNotContain("**Error**", first.Content);

        // The same URL, a new process: the pooled session is unknown to it.
        await h.Mcp.DisposeAsync();
        await using var restarted = await TestMcpServer.StartAsync(
            new TestMcpServerOptions { Stateless = stateless, Port = h.Mcp.Endpoint.Port }, TestContext.Current.CancellationToken);
        h.Llm.Enqueue(echo, LlmReply.Text("second"));
        var second = await h.StreamAsync(CompletionsHarness.Body("two", stream: true, h.McpTool()));

        Assert.DoesNotContain("**Error**", second.Content);
        Assert.Equal(1, restarted.CallCount("echo"));
        Assert.Equal("echo: hello", (string?)h.Llm.Requests[^1].Messages[^1]!["content"]);
    }

    [Fact]
    public async Task ServerRestartedOnAnotherPort_PooledDeadConnectionIsReplaced()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Responder = _ => LlmReply.Text("ok");
        await h.StreamAsync(CompletionsHarness.Body("one", stream: true, h.McpTool()));

        await h.Mcp.DisposeAsync();
        await using var second = await TestMcpServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var answer = await h.StreamAsync(CompletionsHarness.Body("two", stream: true, h.McpTool(second.Endpoint)));

        Assert.DoesNotContain("**Error**", answer.Content);
        Assert.Equal(1, Connects(second));
    }
}
