using System.Text.Json;
using McpSubAgent.EndToEnd.Tests.Agents;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.Inspector;

/// <summary>
/// The official MCP Inspector's CLI (npm @modelcontextprotocol/inspector, pinned in node/package-lock.json) against
/// /mcp over Streamable HTTP, with an access token from our own IdP in an <c>Authorization</c> header, as a person
/// would script it: <c>mcp-inspector --cli {url} --transport http --method ... --header "Authorization: Bearer ..."</c>.
/// The server behind it is the real one, pointed at the scripted LLM and a real downstream MCP server.
/// </summary>
public sealed class InspectorCliTests
{
    private static readonly string[] AgentTools = ["run_agent", "start_agent_task", "get_agent_task", "cancel_agent_task", "list_agent_tasks"];

    [Fact]
    public async Task ToolsList_WithATokenFromOurIdp_ListsTheAgentToolsWithPortableSchemas()
    {
        var cli = InspectorCli.Locate();
        await using var h = await AgentHarness.StartAsync();

        // --strict makes the Inspector exit 6 when a tool schema has an error-severity portability problem.
        var run = await cli.RunAsync([.. Connect(h), "--method", "tools/list", "--strict"]);

        using var output = Result(run);
        var tools = output.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(AgentTools, tools.Select(t => t.GetProperty("name").GetString()));
        Assert.All(tools, t =>
        {
            Assert.Equal("object", t.GetProperty("inputSchema").GetProperty("type").GetString());
            Assert.Equal("object", t.GetProperty("outputSchema").GetProperty("type").GetString());
            Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("description").GetString()));
        });
        var runAgent = tools[0];
        Assert.Equal(["prompt"], runAgent.GetProperty("inputSchema").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(runAgent.GetProperty("annotations").GetProperty("openWorldHint").GetBoolean());
        Assert.Matches(@"(?m)^0 errors, \d+ warnings across 5 tools", run.Stderr);
    }

    [Fact]
    public async Task RunAgent_CalledWithToolArgs_RunsTheSubAgentWithTheDownstreamServersTools()
    {
        var cli = InspectorCli.Locate();
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"hello from the Inspector"}""")) with { Usage = new LlmUsage(24, 4) },
            LlmReply.Text("The server echoed hello to the Inspector.", new LlmUsage(30, 6)));

        // mcp_servers is an array in our input schema, so the CLI parses the key=value pair's value as JSON.
        var run = await cli.RunAsync([
            .. Connect(h), "--method", "tools/call", "--tool-name", "run_agent",
            "--tool-arg", "prompt=Echo hello for the Inspector",
            "--tool-arg", $"mcp_servers=[\"{h.Downstream.Endpoint.AbsoluteUri}\"]",
        ]);

        using var output = Result(run);
        var result = output.RootElement.GetProperty("result");
        Assert.False(result.TryGetProperty("isError", out var isError) && isError.GetBoolean(), run.ToString());
        var text = string.Concat(result.GetProperty("content").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
        Assert.Contains("echo: hello from the Inspector", text, StringComparison.Ordinal);
        Assert.EndsWith("The server echoed hello to the Inspector.", text, StringComparison.Ordinal);
        var structured = result.GetProperty("structuredContent");
        Assert.Equal("completed", structured.GetProperty("status").GetString());
        Assert.Equal("echo", structured.GetProperty("tool_calls")[0].GetProperty("tool").GetString());
        Assert.Equal("succeeded", structured.GetProperty("tool_calls")[0].GetProperty("status").GetString());
        Assert.Equal(64, structured.GetProperty("usage").GetProperty("total_tokens").GetInt32());

        Assert.Equal(2, h.Llm.Requests.Count);
        Assert.Equal("Echo hello for the Inspector", (string?)h.Llm.Requests[0].Messages[^1]!["content"]);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task AgentTask_StartedAndPolledWithTheCli_CompletesAndIsListed()
    {
        var cli = InspectorCli.Locate();
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("The task answered the Inspector.", new LlmUsage(20, 5)));

        using var started = Result(await cli.RunAsync([
            .. Connect(h), "--method", "tools/call", "--tool-name", "start_agent_task",
            "--tool-arg", "prompt=Answer as a task for the Inspector", "--tool-arg", "store=false",
        ]));
        var taskId = started.RootElement.GetProperty("result").GetProperty("structuredContent").GetProperty("task_id").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{43}$", taskId);

        // Each poll is a whole CLI run (a second or two), so a few are plenty for a one-round task.
        JsonElement task = default;
        for (var poll = 0; poll < 10; poll++)
        {
            using var got = Result(await cli.RunAsync([.. Connect(h), "--method", "tools/call", "--tool-name", "get_agent_task", "--tool-arg", $"task_id={taskId}"]));
            task = got.RootElement.GetProperty("result").GetProperty("structuredContent").Clone();
            if (task.GetProperty("status").GetString() is not ("queued" or "working"))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
        }

        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(taskId, task.GetProperty("task_id").GetString());
        Assert.Contains("The task answered the Inspector.", task.GetProperty("output").GetString(), StringComparison.Ordinal);

        // limit is an integer (or null) in our schema: the CLI sends it as a number.
        using var listed = Result(await cli.RunAsync([
            .. Connect(h), "--method", "tools/call", "--tool-name", "list_agent_tasks", "--tool-arg", "status=completed", "--tool-arg", "limit=5",
        ]));
        var tasks = listed.RootElement.GetProperty("result").GetProperty("structuredContent").GetProperty("tasks");
        Assert.Equal(taskId, Assert.Single(tasks.EnumerateArray()).GetProperty("task_id").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-a-token-from-our-idp")]
    public async Task ToolsList_WithoutAValidToken_FailsWithAuthRequired(string? authorization)
    {
        var cli = InspectorCli.Locate();
        await using var h = await AgentHarness.StartAsync();
        string[] target = [h.Host.McpUrl.AbsoluteUri, "--transport", "http", "--format", "json", "--method", "tools/list"];

        // --stored-auth-only: what a CI job passes so that the CLI never starts an interactive OAuth login.
        var run = await cli.RunAsync([.. target, "--stored-auth-only", .. (authorization is null ? Array.Empty<string>() : ["--header", $"Authorization: {authorization}"])]);

        Assert.True(run.ExitCode == 3, $"Expected exit code 3 (auth_required), got {run}");
        Assert.DoesNotContain("run_agent", run.Stdout, StringComparison.Ordinal);
        var line = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, run.ToString());
        using var error = JsonDocument.Parse(line);
        Assert.Equal("auth_required", error.RootElement.GetProperty("error").GetProperty("code").GetString());

        // The same command with our token gets through: the failure above is the missing or forged token.
        using var listed = Result(await cli.RunAsync([.. target, "--stored-auth-only", "--header", $"Authorization: Bearer {h.AccessToken}"]));
        Assert.Equal(AgentTools.Length, listed.RootElement.GetProperty("result").GetProperty("tools").GetArrayLength());
    }

    /// <summary>The target and the token: <c>{url} --transport http --header "Authorization: Bearer ..." --format json</c>.</summary>
    private static string[] Connect(AgentHarness h) =>
        [h.Host.McpUrl.AbsoluteUri, "--transport", "http", "--header", $"Authorization: Bearer {h.AccessToken}", "--format", "json"];

    /// <summary>The one JSON object that <c>--format json</c> writes to stdout on success.</summary>
    private static JsonDocument Result(InspectorRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        var line = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, $"No JSON result on stdout: {run}");
        return JsonDocument.Parse(line);
    }
}
