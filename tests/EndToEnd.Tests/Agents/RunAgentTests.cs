using System.Collections.Concurrent;
using System.Text.Json;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Usage;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Runs;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.EndToEnd.Tests.Agents;

/// <summary>run_agent through /mcp with a real token, the scripted LLM and a real downstream MCP server.</summary>
public sealed class RunAgentTests
{
    private static Dictionary<string, object?> Arguments(AgentHarness h, string prompt = "Echo hello", params (string Key, object? Value)[] extra)
    {
        var arguments = new Dictionary<string, object?> { ["prompt"] = prompt, ["mcp_servers"] = new[] { h.Downstream.Endpoint.AbsoluteUri } };
        foreach (var (key, value) in extra)
        {
            arguments[key] = value;
        }

        return arguments;
    }

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task ToolsList_DescribesRunAgentWithSchemaAndAnnotations()
    {
        await using var h = await AgentHarness.StartAsync();

        var tools = await h.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        var runAgent = Assert.Single(tools, t => t.Name == "run_agent").ProtocolTool;
        Assert.Contains("sub-agent", runAgent.Description, StringComparison.Ordinal);
        var properties = runAgent.InputSchema.GetProperty("properties");
        foreach (var name in new[] { "prompt", "mcp_servers", "allowed_tools", "model", "instructions", "max_rounds", "profile" })
        {
            Assert.True(properties.TryGetProperty(name, out var property), name);
            Assert.True(property.TryGetProperty("description", out _), $"{name} has a description");
        }

        Assert.Equal(["prompt"], runAgent.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(runAgent.OutputSchema.HasValue);
        Assert.True(runAgent.OutputSchema.Value.GetProperty("properties").TryGetProperty("login_links", out _));
        Assert.False(runAgent.Annotations?.ReadOnlyHint);
        Assert.True(runAgent.Annotations?.OpenWorldHint);
    }

    [Fact]
    public async Task RunAgent_UsesTheServersToolsAndReturnsMarkdownAndStructuredContent()
    {
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"hello"}""")),
            LlmReply.Text("The server said hello.", new LlmUsage(50, 7)));

        var result = await h.Client.CallToolAsync("run_agent", Arguments(h, extra: ("instructions", "Be brief.")), cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("echo: hello", Text(result), StringComparison.Ordinal);
        Assert.EndsWith("The server said hello.", Text(result), StringComparison.Ordinal);
        var structured = result.StructuredContent!.Value;
        Assert.Equal("completed", structured.GetProperty("status").GetString());
        Assert.Equal("echo", structured.GetProperty("tool_calls")[0].GetProperty("tool").GetString());
        Assert.Equal("succeeded", structured.GetProperty("tool_calls")[0].GetProperty("status").GetString());
        Assert.Equal(72, structured.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, structured.GetProperty("login_links").GetArrayLength());

        var first = h.Llm.Requests[0];
        Assert.Equal("fake-model", first.Model);
        Assert.Equal("Bearer sk-upstream-test", first.Header("Authorization"));
        Assert.Equal("Be brief.", (string?)first.Messages[0]!["content"]);
        Assert.Equal("Echo hello", (string?)first.Messages[1]!["content"]);
        Assert.Equal(1, h.Downstream.CallCount("echo"));

        // Our own token never reaches the downstream server.
        Assert.DoesNotContain(h.Downstream.AuthorizationHeaders, a => a.Contains(h.AccessToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAgent_ArgumentsWithMarkupAndNonAscii_ShownAsTheyAreInTheMarkdown()
    {
        const string text = "a->b & <i> café 日本 it's";
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", new System.Text.Json.Nodes.JsonObject { ["text"] = text }.ToJsonString())),
            LlmReply.Text("Done."));

        var result = await h.Client.CallToolAsync("run_agent", Arguments(h), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains($"\"text\": \"{text}\"", Text(result), StringComparison.Ordinal);
        Assert.Contains($"echo: {text}", Text(result), StringComparison.Ordinal);
        Assert.Contains($"echo ({h.Downstream.Endpoint.Authority})", Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAgent_ReportsProgressPerToolCallAndRound()
    {
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_add", """{"a":1,"b":2}""")), LlmReply.Text("3"));
        var messages = new ConcurrentQueue<string>();
        var allThree = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await h.Client.CallToolAsync("run_agent", Arguments(h), new SynchronousProgress(v =>
        {
            messages.Enqueue(v.Message ?? "");
            if (messages.Count >= 3)
            {
                allThree.TrySetResult();
            }
        }), cancellationToken: TestContext.Current.CancellationToken);

        // Notifications may trail the result, by more than a moment on a loaded machine.
        await allThree.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // The SDK sends notifications as they are reported, not necessarily in order.
        Assert.Equal(3, messages.Count);
        Assert.Contains($"Calling add on {h.Downstream.Endpoint.Authority}", messages);
        Assert.Contains("Round 1 done", messages);
        Assert.Contains(messages, m => m.StartsWith("add returned after ", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string> WrongTypes => new()
    {
        { "prompt", "{}", "The argument 'prompt' must be a string, not an object." },
        { "prompt", "42", "The argument 'prompt' must be a string, not a number." },
        { "max_rounds", "\"ten\"", "The argument 'max_rounds' must be an integer, not a string." },
        { "mcp_servers", "\"https://example.com/mcp\"", "The argument 'mcp_servers' must be an array, not a string." },
        { "mcp_servers", "[1]", "The argument 'mcp_servers' item 0: must be a string, not a number." },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task RunAgent_WrongTypedArgument_SaysWhichArgumentAndWhy(string field, string json, string expected)
    {
        await using var h = await AgentHarness.StartAsync();
        var arguments = Arguments(h);
        arguments[field] = System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();

        var result = await h.Client.CallToolAsync("run_agent", arguments, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsError);
        Assert.Equal(expected, Text(result));
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task RunAgent_MissingPrompt_SaysItIsRequired()
    {
        await using var h = await AgentHarness.StartAsync();
        var arguments = Arguments(h);
        arguments.Remove("prompt");

        var result = await h.Client.CallToolAsync("run_agent", arguments, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsError);
        Assert.Equal("The argument 'prompt' is required.", Text(result));
    }

    [Theory]
    [InlineData("prompt", "")]
    [InlineData("max_rounds", 0)]
    [InlineData("max_rounds", 101)]
    [InlineData("mcp_servers", "ftp")]
    public async Task RunAgent_BadInput_IsAToolErrorWithTheReason(string field, object value)
    {
        await using var h = await AgentHarness.StartAsync();
        var arguments = Arguments(h);
        arguments[field] = field == "mcp_servers" ? new[] { "ftp://example.com/mcp" } : value;

        var result = await h.Client.CallToolAsync("run_agent", arguments, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsError);
        Assert.Contains(field, Text(result), StringComparison.Ordinal);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task RunAgent_OversizedPrompt_IsAToolError()
    {
        await using var h = await AgentHarness.StartAsync();

        var result = await h.Client.CallToolAsync("run_agent", Arguments(h, new string('x', 200_001)), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsError);
        Assert.Contains("at most 200,000", Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAgent_UpstreamFails_StatusFailedWithTheReason()
    {
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Responder = _ => LlmReply.Error(404, "The model 'nope' does not exist");

        var result = await h.Client.CallToolAsync("run_agent", Arguments(h, extra: ("model", "nope")), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsError);
        Assert.Equal("failed", result.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.Contains("does not exist", result.StructuredContent!.Value.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAgent_ClientCancels_TheRunStopsAndAsksTheModelNothingMore()
    {
        var runs = new RunEndObserver();
        await using var h = await AgentHarness.StartAsync(s => s.AddSingleton<ICompletionRunObserver>(runs));
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_slow", """{"milliseconds":3000}""")), LlmReply.Text("never"));
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var call = h.Client.CallToolAsync("run_agent", Arguments(h), cancellationToken: cancellation.Token).AsTask();
        for (var i = 0; i < 200 && h.Downstream.CallCount("slow") == 0; i++)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, h.Downstream.CallCount("slow"));
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // A run that went on would ask the model again once the 3 s tool call ended, before it reports its end.
        Assert.Equal(RunOutcome.Cancelled, (await runs.WaitAsync(TestContext.Current.CancellationToken)).Outcome);
        Assert.Equal(1, h.Llm.RequestCount);
    }

    [Fact]
    public async Task RunAgent_LoginNeeded_ClientWithoutUrlElicitation_GetsAuthRequiredWithLinks()
    {
        var credentials = new LoginRequiredCredentials();
        await using var h = await AgentHarness.StartAsync(s => s.AddSingleton<IMcpCredentialProvider>(credentials));

        var result = await h.Client.CallToolAsync("run_agent", Arguments(h), cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(true, result.IsError);
        var structured = result.StructuredContent!.Value;
        Assert.Equal("auth_required", structured.GetProperty("status").GetString());
        var link = structured.GetProperty("login_links")[0];
        Assert.Equal(h.Downstream.Endpoint.AbsoluteUri, link.GetProperty("server_url").GetString());
        Assert.StartsWith("https://idp.example/connections/login/", link.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Contains("Open the links above to sign in", Text(result), StringComparison.Ordinal);
        Assert.Equal(0, h.Llm.RequestCount);

        // The login belongs to the caller: the token's subject is the user key.
        var asked = Assert.Single(credentials.UserKeys);
        Assert.Equal(await SubjectOfAsync(h), asked);
    }

    [Fact]
    public async Task RunAgent_LoginNeeded_ClientWithUrlElicitation_GetsTheUrlElicitationError()
    {
        await using var h = await AgentHarness.StartAsync(
            s => s.AddSingleton<IMcpCredentialProvider>(new LoginRequiredCredentials()),
            new ClientCapabilities { Elicitation = new ElicitationCapability { Url = new UrlElicitationCapability() } });

        var ex = await Assert.ThrowsAsync<UrlElicitationRequiredException>(() =>
            h.Client.CallToolAsync("run_agent", Arguments(h), cancellationToken: TestContext.Current.CancellationToken).AsTask());

        var elicitation = Assert.Single(ex.Elicitations);
        Assert.Equal("url", elicitation.Mode);
        Assert.StartsWith("https://idp.example/connections/login/", elicitation.Url, StringComparison.Ordinal);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    private static async Task<string> SubjectOfAsync(AgentHarness h)
    {
        await using var scope = h.Host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<McpSubAgent.IdentityProvider.Accounts.AppUser>>();
        return (await users.FindByEmailAsync(AgentHarness.Email))!.Id;
    }

    /// <summary>A credential port that always asks for a login, and records whose.</summary>
    private sealed class LoginRequiredCredentials : IMcpCredentialProvider
    {
        public ConcurrentQueue<string> UserKeys { get; } = new();

        public ValueTask<McpCredential> GetCredentialAsync(McpCredentialRequest request, CancellationToken cancellationToken)
        {
            UserKeys.Enqueue(request.UserKey);
            return ValueTask.FromResult<McpCredential>(new McpCredential.LoginRequired(new Uri($"https://idp.example/connections/login/{Guid.NewGuid():N}")));
        }
    }

    /// <summary>Reports on the calling thread, so nothing is lost between the last notification and the result.</summary>
    private sealed class SynchronousProgress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}
