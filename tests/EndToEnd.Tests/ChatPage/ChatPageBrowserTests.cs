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
    private const string Model = "fake-model";
    private const string RenamedTitle = "Echo and tasks";
    private const string EchoPrompt = "Say hello through the echo tool";
    private const string EchoAnswer = "The echo tool said hello back to you.";
    private const string GatedPrompt = "List my tasks on the other server";
    private const string GatedAnswer = "You have no tasks on the other server.";
    private const string PayloadPrompt = "Show me what the tool returns for the payload";
    private const string PayloadAnswer = "Here is what the tool returned, word for word:";
    private const string LongPrompt = "Echo something, then tell me a long story";
    private const string LongSlowPrompt = "Tell me another long story, slowly";
    private const string LongSlowMarker = "Line 06 of";
    private const string Payload = """<script>window.__chatXss = "script"</script><img src="x" onerror="window.__chatXss = 'onerror'">""";
    private const string Dark = "rgb(22, 24, 28)";
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
                ["long"] = LongPrompt,
                ["longSlow"] = LongSlowPrompt,
                ["longSlowMarker"] = LongSlowMarker,
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

        // The sign-in page has the chat page's look, and a way back to it.
        AssertLooks(root.GetProperty("signInLooks"), "rgb(255, 255, 255)");

        // The model picker came from /v1/models and started on the server's default model, named as such (the fake LLM
        // lists it second); every model request used the model picked.
        Assert.Equal(["fake-model", "fake-model-2"], Strings(root.GetProperty("models")));
        Assert.Equal(ChatPageHarness.DefaultModel, root.GetProperty("initialModel").GetString());
        Assert.Equal($"{ChatPageHarness.DefaultModel} (default)", root.GetProperty("initialModelLabel").GetString());
        Assert.NotEmpty(harness.Llm.Requests);
        Assert.All(harness.Llm.Requests, r => Assert.Equal(Model, r.Model));

        // The added server showed as connected with its tools; the tool ran and the answer streamed in.
        Assert.Contains("echo", Strings(root.GetProperty("openServerTools")));
        var summaries = Strings(root.GetProperty("echoToolSummaries"));
        Assert.Contains($"Tool call: echo ({harness.Open.Endpoint.Authority})", summaries);
        Assert.All(Doubles(root.GetProperty("toolIcons")), width => Assert.InRange(width, 8, 32));
        Assert.NotEmpty(Doubles(root.GetProperty("toolIcons")));
        Assert.False(root.GetProperty("wrenchCharacters").GetBoolean(), "An emoji is left in the messages.");
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
        AssertLooks(root.GetProperty("popupSignInLooks"), Dark);
        AssertLooks(root.GetProperty("consentLooks"), Dark);
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
        Assert.Equal(4, harness.Open.CallCount("echo")); // hello, the payload, and two for the long story

        // The conversation was kept under its first message and came back after a reload: three questions, three answers.
        Assert.Contains(EchoPrompt, Strings(root.GetProperty("conversationTitles")));
        Assert.Equal(6, root.GetProperty("messagesAfterReload").GetInt32());

        // Keyboard only: the dialog took focus and gave it back; the conversation was renamed with the keyboard.
        Assert.Equal("server-url", root.GetProperty("dialogFocus").GetString());
        Assert.True(root.GetProperty("dialogClosed").GetBoolean());
        Assert.Equal("open-servers", root.GetProperty("focusAfterDialog").GetString());
        Assert.Equal([RenamedTitle], Strings(root.GetProperty("renamedTitles")));
        Assert.Equal(RenamedTitle, root.GetProperty("chatTitle").GetString());

        // A long answer after a tool call ends in view, and the page itself never scrolls; scrolled up while an answer
        // streamed, the list stayed where the person put it.
        Assert.InRange(root.GetProperty("longAnswerDistanceFromEnd").GetDouble(), 0, 2);
        Assert.True(root.GetProperty("longAnswerLastLineVisible").GetBoolean(), "The end of the long answer is hidden.");
        Assert.False(root.GetProperty("pageOverflowY").GetBoolean(), "The page scrolls besides its message list.");
        Assert.Equal(1, root.GetProperty("stillStreamingWhenScrolledUp").GetInt32());
        Assert.InRange(root.GetProperty("scrolledUpMoved").GetDouble(), 0, 2);
        Assert.True(root.GetProperty("scrolledUpDistanceFromEnd").GetDouble() > 300);

        // Phone width without sideways scrolling or a second scrollbar, the Connections link in view; the dark theme
        // follows the system.
        Assert.False(root.GetProperty("phoneOverflow").GetBoolean());
        Assert.False(root.GetProperty("phoneOverflowY").GetBoolean());
        Assert.True(root.GetProperty("connectionsLinkInView").GetBoolean(), "The Connections link is not in view at phone width.");
        Assert.Equal(Dark, root.GetProperty("darkBackground").GetString());

        // The connections page looks like the chat (dark at phone width, light on a desktop), names servers with their
        // port, and leads back to the chat.
        AssertLooks(root.GetProperty("connectionsPhoneLooks"), Dark);
        AssertLooks(root.GetProperty("connectionsLooks"), "rgb(255, 255, 255)");
        Assert.Equal([harness.Downstream.McpUrl.Authority], Strings(root.GetProperty("connectionNames")));
        Assert.Equal("/", root.GetProperty("backAtChat").GetString());

        // A favicon, and the page names its own icon.
        Assert.Equal(200, root.GetProperty("faviconStatus").GetInt32());
        Assert.Equal("image/x-icon", root.GetProperty("faviconType").GetString());
        Assert.EndsWith("/chat/favicon.svg", root.GetProperty("iconLink").GetString(), StringComparison.Ordinal);

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
                LongPrompt => LongStory,
                _ => null,
            };
            return answer is null
                ? LlmReply.Error(400, $"Unexpected prompt: {prompt}")
                : LlmReply.Text(answer) with { DelayBetweenChunks = TimeSpan.FromMilliseconds(prompt == LongPrompt ? 2 : 40) };
        }

        if (prompt == LongSlowPrompt)
        {
            return LlmReply.Text(LongStory) with { DelayBetweenChunks = TimeSpan.FromMilliseconds(15) };
        }

        var echo = request.ToolNames.FirstOrDefault(n => n.EndsWith("_echo", StringComparison.Ordinal));
        var tasks = request.ToolNames.FirstOrDefault(n => n.EndsWith("_list_agent_tasks", StringComparison.Ordinal));
        return prompt switch
        {
            EchoPrompt when echo is not null => LlmReply.ToolCalls(new LlmToolCall("call_echo", echo, """{"text":"hello"}""")),
            // Two calls at once: their blocks arrive together, a bigger step than one line of text.
            LongPrompt when echo is not null => LlmReply.ToolCalls(
                new LlmToolCall("call_long_1", echo, """{"text":"a long story"}"""), new LlmToolCall("call_long_2", echo, """{"text":"another one"}""")),
            GatedPrompt when tasks is not null => LlmReply.ToolCalls(new LlmToolCall("call_tasks", tasks, """{"limit":5}""")),
            PayloadPrompt when echo is not null => LlmReply.ToolCalls(
                new LlmToolCall("call_payload", echo, new JsonObject { ["text"] = Payload }.ToJsonString())),
            _ => LlmReply.Error(400, $"Unexpected request: prompt '{prompt}', tools {string.Join(", ", request.ToolNames)}"),
        };
    }

    /// <summary>Forty paragraphs: far more than a window shows.</summary>
    private static string LongStory => string.Join("\n\n", Enumerable.Range(1, 40).Select(i => $"Line {i:00} of a long story."));

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];

    private static List<double> Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    /// <summary>A page in the chat page's colours, without sideways scrolling, with a link back to the chat.</summary>
    private static void AssertLooks(JsonElement looks, string background)
    {
        Assert.Equal(background, looks.GetProperty("background").GetString());
        Assert.False(looks.GetProperty("overflowX").GetBoolean(), $"The page scrolls sideways: {looks}");
        Assert.Equal("/", looks.GetProperty("backToChat").GetString());
    }
}
