using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.ChatPage;

/// <summary>
/// The chat page in a real browser (Debian's Chromium, driven by playwright-core from node/chat.mjs): sign in, pick a
/// model, add servers, watch a tool run and the answer stream in, log in to a gated server in a popup and get the
/// answer with no further click, and see script in a tool result rendered inert. Screenshots of each step are written
/// to TestResults/chat-page under the test's output folder.
/// </summary>
public sealed class ChatPageBrowserTests
{
    private const string Email = "ada@chat.example";
    private const string DownstreamEmail = "ada@downstream.example";
    private const string Model = "fake-model-2";
    private const string RenamedTitle = "Echo and tasks";
    private const string EchoPrompt = "Say hello through the echo tool";
    private const string EchoAnswer = "The echo tool said hello back to you.";
    private const string GatedPrompt = "List my tasks on the other server";
    private const string GatedAnswer = "You have no tasks on the other server.";
    private const string PayloadPrompt = "Show me what the tool returns for the payload";
    private const string PayloadAnswer = "Here is what the tool returned, word for word:";
    private const string Payload = """<script>window.__chatXss = "script"</script><img src="x" onerror="window.__chatXss = 'onerror'">""";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task ChatPage_SignInAddServersLogInInPopupAndHostilePayload_AnswersStreamAndNothingRuns()
    {
        var nodeFolder = SourceTree.Path("tests", "EndToEnd.Tests", "ChatPage", "node");
        Assert.True(
            Directory.Exists(Path.Combine(nodeFolder, "node_modules", "playwright-core")),
            $"playwright-core is not installed: run `npm ci` in {nodeFolder} (building this test project does it).");
        Assert.True(
            File.Exists("/usr/bin/chromium"),
            "The chat page browser test needs Debian's Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium' (building this test project as root does it).");

        await using var harness = await ChatPageHarness.StartAsync();
        harness.Llm.Responder = Respond;
        await harness.Main.CreateUserAsync(Email, ChatPageHarness.Password);
        await harness.Downstream.CreateUserAsync(DownstreamEmail, ChatPageHarness.Password);

        var screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "chat-page");
        if (Directory.Exists(screenshots))
        {
            Directory.Delete(screenshots, recursive: true);
        }

        var settingsFile = Path.Combine(Directory.CreateTempSubdirectory("chat-page-").FullName, "settings.json");
        await File.WriteAllTextAsync(settingsFile, new JsonObject
        {
            ["baseUrl"] = harness.BrowserBaseUrl.AbsoluteUri,
            ["email"] = Email,
            ["password"] = ChatPageHarness.Password,
            ["openServerUrl"] = harness.Open.Endpoint.AbsoluteUri,
            ["gatedServerUrl"] = harness.Downstream.McpUrl.AbsoluteUri,
            ["downstreamEmail"] = DownstreamEmail,
            ["downstreamPassword"] = ChatPageHarness.Password,
            ["model"] = Model,
            ["renameTo"] = RenamedTitle,
            ["prompts"] = new JsonObject
            {
                ["echo"] = EchoPrompt,
                ["gated"] = GatedPrompt,
                ["gatedAnswer"] = GatedAnswer,
                ["payload"] = PayloadPrompt,
                ["payloadAnswer"] = PayloadAnswer,
            },
            ["screenshots"] = screenshots,
        }.ToJsonString(), TestContext.Current.CancellationToken);

        var (exitCode, stdout, stderr) = await NodeScript.RunAsync(nodeFolder, Timeout, "chat.mjs", settingsFile);

        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(exitCode == 0 && line is not null, $"node chat.mjs exited with {exitCode}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        using var result = JsonDocument.Parse(line);
        var root = result.RootElement;
        if (!root.GetProperty("ok").GetBoolean())
        {
            Assert.Fail($"The browser run failed after steps {root.GetProperty("steps")}: {root.GetProperty("error")}\n{line}\nstderr:\n{stderr}");
        }

        // Signed out, the page sent the browser to our sign-in page, which came back to it.
        var signIn = new Uri(root.GetProperty("signInUrl").GetString()!);
        Assert.Equal("/account/login", signIn.AbsolutePath);
        Assert.Contains("ReturnUrl=%2F", signIn.Query, StringComparison.Ordinal);

        // The model picker came from /v1/models, and every model request used the model picked.
        Assert.Contains(Model, Strings(root.GetProperty("models")));
        Assert.Contains("fake-model", Strings(root.GetProperty("models")));
        Assert.NotEmpty(harness.Llm.Requests);
        Assert.All(harness.Llm.Requests, r => Assert.Equal(Model, r.Model));

        // The added server showed as connected with its tools; the tool ran and the answer streamed in.
        Assert.Contains("echo", Strings(root.GetProperty("openServerTools")));
        var summaries = Strings(root.GetProperty("echoToolSummaries"));
        Assert.Contains(summaries, s => s!.StartsWith("🔧", StringComparison.Ordinal) && s.Contains("echo", StringComparison.Ordinal));
        Assert.Contains(summaries, s => s!.StartsWith("Result", StringComparison.Ordinal));
        var echoAnswer = root.GetProperty("echoAnswer").GetString()!;
        Assert.Contains("echo: hello", echoAnswer, StringComparison.Ordinal);
        Assert.Contains(EchoAnswer, echoAnswer, StringComparison.Ordinal);
        Assert.True(root.GetProperty("streamingUpdates").GetInt32() >= 2, "The answer did not appear in parts while it streamed.");

        // The gated server needed a login: a button opened it in a popup at the downstream's own sign-in page, and after
        // the login the answer came with no further click; the login prompt it replaced is gone.
        var downstreamAuthority = harness.Downstream.BaseUrl.Authority;
        Assert.Equal($"Log in to {downstreamAuthority}", root.GetProperty("loginButtonText").GetString());
        Assert.Equal(downstreamAuthority, root.GetProperty("popupLoginHost").GetString());
        Assert.Contains(GatedAnswer, root.GetProperty("gatedAnswer").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, root.GetProperty("loginButtonsLeft").GetInt32());

        // Script in a tool result, and in the model's answer repeating it, was shown as text or dropped, never run.
        Assert.Equal(JsonValueKind.Null, root.GetProperty("xssFlag").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("xssFlagAfterReload").ValueKind);
        Assert.Equal(0, root.GetProperty("scriptsInMessages").GetInt32());
        Assert.Equal(0, root.GetProperty("handlersInMessages").GetInt32());
        var payloadAnswer = root.GetProperty("payloadAnswer").GetString()!;
        Assert.Contains(PayloadAnswer, payloadAnswer, StringComparison.Ordinal);
        Assert.Contains("echo: <script>window.__chatXss", payloadAnswer, StringComparison.Ordinal);
        Assert.Equal(2, harness.Open.CallCount("echo"));

        // The conversation was kept under its first message and came back after a reload: three questions, three answers.
        Assert.Contains(EchoPrompt, Strings(root.GetProperty("conversationTitles")));
        Assert.Equal(6, root.GetProperty("messagesAfterReload").GetInt32());

        // Keyboard only: the dialog took focus and gave it back; the conversation was renamed with the keyboard.
        Assert.Equal("server-url", root.GetProperty("dialogFocus").GetString());
        Assert.True(root.GetProperty("dialogClosed").GetBoolean());
        Assert.Equal("open-servers", root.GetProperty("focusAfterDialog").GetString());
        Assert.Equal([RenamedTitle], Strings(root.GetProperty("renamedTitles")));
        Assert.Equal(RenamedTitle, root.GetProperty("chatTitle").GetString());

        // Phone width without sideways scrolling; the dark theme follows the system.
        Assert.False(root.GetProperty("phoneOverflow").GetBoolean());
        Assert.Equal("rgb(22, 24, 28)", root.GetProperty("darkBackground").GetString());

        var shots = Directory.GetFiles(screenshots, "*.png");
        Assert.True(shots.Length >= 10, $"Expected a screenshot per step in {screenshots}, found {shots.Length}.");
        TestContext.Current.TestOutputHelper?.WriteLine($"Screenshots: {screenshots}");
    }

    /// <summary>The scripted model: each prompt gets its tool call, then its answer once the tool result is in.</summary>
    private static LlmReply Respond(ReceivedLlmRequest request)
    {
        var messages = request.Messages;
        var prompt = messages.LastOrDefault(m => (string?)m?["role"] == "user")?["content"]?.ToString();
        if ((string?)messages[^1]?["role"] == "tool")
        {
            var answer = prompt switch
            {
                EchoPrompt => EchoAnswer,
                GatedPrompt => GatedAnswer,
                PayloadPrompt => $"{PayloadAnswer}\n\n{Payload}",
                _ => null,
            };
            return answer is null
                ? LlmReply.Error(400, $"Unexpected prompt: {prompt}")
                : LlmReply.Text(answer) with { DelayBetweenChunks = TimeSpan.FromMilliseconds(40) };
        }

        var echo = request.ToolNames.FirstOrDefault(n => n.EndsWith("_echo", StringComparison.Ordinal));
        var tasks = request.ToolNames.FirstOrDefault(n => n.EndsWith("_list_agent_tasks", StringComparison.Ordinal));
        return prompt switch
        {
            EchoPrompt when echo is not null => LlmReply.ToolCalls(new LlmToolCall("call_echo", echo, """{"text":"hello"}""")),
            GatedPrompt when tasks is not null => LlmReply.ToolCalls(new LlmToolCall("call_tasks", tasks, """{"limit":5}""")),
            PayloadPrompt when echo is not null => LlmReply.ToolCalls(
                new LlmToolCall("call_payload", echo, new JsonObject { ["text"] = Payload }.ToJsonString())),
            _ => LlmReply.Error(400, $"Unexpected request: prompt '{prompt}', tools {string.Join(", ", request.ToolNames)}"),
        };
    }

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];
}
