using System.Text.Json;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace McpSubAgent.EndToEnd.Tests.TypeScriptClient;

/// <summary>
/// The official TypeScript MCP SDK client (node/connect.mjs) logs in to /mcp through discovery, dynamic registration,
/// our login and consent pages and PKCE, connects, refreshes its token and connects again; with that token it lists
/// the agent tools, runs run_agent against a real downstream MCP server with progress, and runs an agent task to its
/// end and reads the public result page. The scripted LLM answers by the prompts connect.mjs sends.
/// </summary>
public sealed class TypeScriptSdkClientTests
{
    private const string Email = "grace@example.com";
    private const string Password = "Compiler-Pioneer-1952";
    private const string RunPrompt = "Echo hello from the TypeScript SDK";
    private const string TaskPrompt = "Answer as a task from the TypeScript SDK";
    private const string RunAnswer = "The server echoed hello to the TypeScript SDK.";
    private const string TaskAnswer = "The task answered the TypeScript SDK.";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task TypeScriptSdkClient_DynamicRegistrationLoginConsentAndRefresh_ConnectsAndRunsAgents()
    {
        var nodeFolder = SourceTree.Path("tests", "EndToEnd.Tests", "TypeScriptClient", "node");
        Assert.True(File.Exists(Path.Combine(nodeFolder, "package.json")), $"No package.json in {nodeFolder}.");
        Assert.True(
            Directory.Exists(Path.Combine(nodeFolder, "node_modules", "@modelcontextprotocol", "sdk")),
            $"The TypeScript SDK is not installed: run `npm ci` in {nodeFolder} (building this test project does it).");

        await using var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        llm.Responder = Respond;
        await using var downstream = await TestMcpServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            ["Completions:DefaultModel"] = "fake-model",
            ["Tasks:PollInterval"] = "00:00:00.200",
        });
        await host.CreateUserAsync(Email, Password);

        var (exitCode, stdout, stderr) = await RunNodeAsync(
            nodeFolder, "connect.mjs", host.McpUrl.AbsoluteUri, Email, Password, downstream.Endpoint.AbsoluteUri);

        Assert.True(exitCode == 0, $"node connect.mjs exited with {exitCode}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, $"No JSON line in the output.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        using var result = JsonDocument.Parse(line);
        var root = result.RootElement;
        Assert.True(root.GetProperty("connected").GetBoolean());
        Assert.Equal("McpSubAgent", root.GetProperty("serverName").GetString());
        Assert.Equal("Bearer", root.GetProperty("tokenType").GetString(), ignoreCase: true);
        Assert.True(root.GetProperty("hasRefreshToken").GetBoolean());
        Assert.Equal(1, root.GetProperty("loginPages").GetInt32());
        Assert.Equal(1, root.GetProperty("consentPages").GetInt32());
        Assert.True(root.GetProperty("refreshed").GetBoolean());
        Assert.Equal("McpSubAgent", root.GetProperty("serverNameAfterRefresh").GetString());

        // The client the SDK registered is in our database, under the name it gave.
        var clientId = root.GetProperty("registeredClientId").GetString();
        Assert.False(string.IsNullOrEmpty(clientId));
        await using var scope = host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await applications.FindByClientIdAsync(clientId, TestContext.Current.CancellationToken);
        Assert.NotNull(application);
        Assert.Equal("TypeScript SDK test client", await applications.GetDisplayNameAsync(application, TestContext.Current.CancellationToken));

        // tools/list: the agent tools, each with an input and an output schema (the SDK then validates structuredContent).
        string[] agentTools = ["run_agent", "start_agent_task", "get_agent_task", "cancel_agent_task", "list_agent_tasks"];
        Assert.Equal(agentTools, Strings(root.GetProperty("agentTools")));
        Assert.Equal(agentTools, Strings(root.GetProperty("agentToolsWithSchemas")));

        // run_agent: the model called echo on the downstream server, then answered; progress reached the SDK.
        Assert.Equal("completed", root.GetProperty("runAgentStatus").GetString());
        var runText = root.GetProperty("runAgentText").GetString()!;
        Assert.Contains("echo: hello from TypeScript", runText, StringComparison.Ordinal);
        Assert.EndsWith(RunAnswer, runText, StringComparison.Ordinal);
        Assert.Equal(["echo"], Strings(root.GetProperty("runAgentToolCalls")));
        Assert.True(root.GetProperty("progressCount").GetInt32() >= 1, $"No progress notification arrived: {line}");

        // The task: started, polled with get_agent_task to completed, listed, and its public page shows the answer.
        var taskId = root.GetProperty("taskId").GetString()!;
        Assert.Equal("completed", root.GetProperty("taskStatus").GetString());
        Assert.Contains(TaskAnswer, root.GetProperty("taskOutput").GetString(), StringComparison.Ordinal);
        Assert.True(root.GetProperty("taskListed").GetBoolean());
        Assert.Equal(new Uri(host.BaseUrl, $"tasks/{taskId}.md").AbsoluteUri, root.GetProperty("resultUrl").GetString());
        Assert.Equal(200, root.GetProperty("resultStatusCode").GetInt32());
        Assert.StartsWith("text/markdown", root.GetProperty("resultContentType").GetString(), StringComparison.Ordinal);
        Assert.Contains(TaskAnswer, root.GetProperty("resultMarkdown").GetString(), StringComparison.Ordinal);

        // Three model requests (run_agent's two rounds, then the task's one), one echo call downstream.
        var requests = llm.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal("fake-model", r.Model));
        Assert.Equal(1, downstream.CallCount("echo"));
    }

    /// <summary>The scripted model: run_agent's prompt gets an echo call then an answer; the task's prompt an answer.</summary>
    private static LlmReply Respond(ReceivedLlmRequest request)
    {
        var messages = request.Messages;
        if (messages.Count > 0 && (string?)messages[^1]?["role"] == "tool")
        {
            return LlmReply.Text(RunAnswer, new LlmUsage(40, 8));
        }

        var prompt = messages.LastOrDefault(m => (string?)m?["role"] == "user")?["content"]?.ToString();
        return prompt switch
        {
            RunPrompt => LlmReply.ToolCalls(new LlmToolCall("call_1", "mcp_127-0-0-1_echo", """{"text":"hello from TypeScript"}""")),
            TaskPrompt => LlmReply.Text(TaskAnswer, new LlmUsage(20, 5)),
            _ => LlmReply.Error(400, $"Unexpected prompt: {prompt}"),
        };
    }

    private static string?[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunNodeAsync(string workingDirectory, params string[] arguments) =>
        NodeScript.RunAsync(workingDirectory, Timeout, arguments);
}
