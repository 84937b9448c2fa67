using System.Text.Json.Nodes;
using McpSubAgent.Cli;
using McpSubAgent.EndToEnd.Tests.Broker;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.Cli;

/// <summary>The <c>mcpsubagent</c> tool against a real server, a real MCP server and the scripted upstream model.</summary>
public sealed class CliTests
{
    private const string Email = "cli-user@example.com";

    [Fact]
    public async Task Login_BrowserSignsInOnLoopbackRedirect_StoresRefreshTokenReadableByOwnerOnly()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = await SignedInAsync(h);

        var authorize = Assert.Single(cli.Opened);
        var query = System.Web.HttpUtility.ParseQueryString(authorize.Query);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.StartsWith("http://127.0.0.1:", query["redirect_uri"], StringComparison.Ordinal);
        Assert.Equal(h.Host.McpUrl.AbsoluteUri, query["resource"]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.CredentialsPath));
        }

        var stored = JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!;
        Assert.Equal(h.Host.BaseUrl.AbsoluteUri, (string?)stored["default_server"]);
        Assert.False(string.IsNullOrEmpty((string?)stored["servers"]![h.Host.BaseUrl.AbsoluteUri]!["refresh_token"]));
    }

    [Fact]
    public async Task Run_PromptFileWithFrontMatter_StreamsTheAnswerWithTheToolCall()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = await SignedInAsync(h);
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, """{"text":"from the cli"}""")),
            LlmReply.Text("Echoed from the file."));
        var prompt = cli.Prompt($"""
            ---
            mcp: {h.Downstream.Endpoint.AbsoluteUri}
            model: fake-model-2
            ---
            Echo something.
            """);

        var result = await cli.RunAsync("run", prompt);

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("echo: from the cli", result.Output, StringComparison.Ordinal);
        Assert.Contains("<details>", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("Echoed from the file.\n", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
        Assert.Equal("fake-model-2", h.Llm.Requests[0].Model);

        // The server read the mcp: key; the model saw neither front matter nor the CLI's model: key.
        var sent = (string?)h.Llm.Requests[0].Messages[^1]!["content"];
        Assert.Equal("Echo something.", sent?.TrimEnd());
    }

    [Fact]
    public async Task Run_JsonWithTextOutput_PrintsOneResultWithoutToolBlocks()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = await SignedInAsync(h);
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, """{"text":"quiet"}""")),
            LlmReply.Text("Only the answer."));
        var prompt = cli.Prompt($"""
            ---
            mcp: [{h.Downstream.Endpoint.AbsoluteUri}]
            output: text
            ---
            Echo quietly.
            """);

        var result = await cli.RunAsync("run", prompt, "--json");

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        var json = Assert.IsType<JsonObject>(JsonNode.Parse(result.Output));
        Assert.Equal("completed", (string?)json["status"]);
        Assert.Equal("Only the answer.", (string?)json["output"]);
        Assert.Equal("stop", (string?)json["finish_reason"]);
        Assert.Equal(30, (int?)json["usage"]!["total_tokens"]);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task Run_NotSignedIn_ExitsWithAuthError()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = new CliSession(h.Host, Email, OpenAIApiHarness.Password);

        var result = await cli.RunAsync("run", cli.Prompt("Hello."), "--server", h.Host.BaseUrl.AbsoluteUri, "--json");

        Assert.Equal(ExitCodes.AuthError, result.ExitCode);
        Assert.Contains("mcpsubagent login", result.Error, StringComparison.Ordinal);
        Assert.Equal("failed", (string?)JsonNode.Parse(result.Output)!["status"]);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task Run_BadUsage_ExitsWithUsageError()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = await SignedInAsync(h);

        Assert.Equal(ExitCodes.UsageError, (await cli.RunAsync("run")).ExitCode);
        Assert.Equal(ExitCodes.UsageError, (await cli.RunAsync("run", Path.Combine(cli.ConfigDirectory, "missing.md"))).ExitCode);
        Assert.Equal(ExitCodes.UsageError, (await cli.RunAsync("run", cli.Prompt("Hi."), "--output", "html")).ExitCode);
        Assert.Equal(ExitCodes.UsageError, (await cli.RunAsync("run", cli.Prompt("Hi."), "--server", "http://example.com/")).ExitCode);

        // Refused by the server (400): a server URL that is no URL.
        var refused = await cli.RunAsync("run", cli.Prompt("---\nmcp: not-a-url\n---\nHi."));
        Assert.True(refused.ExitCode == ExitCodes.UsageError, refused.ToString());
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task Run_UpstreamFails_ExitsWithRunError()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = await SignedInAsync(h);
        h.Llm.Enqueue(LlmReply.Error(500, "the model is down"));

        var result = await cli.RunAsync("run", cli.Prompt("Hello."));

        Assert.True(result.ExitCode == ExitCodes.RunFailed, result.ToString());
        Assert.Contains("Error:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UpstreamBreaksOffMidAnswer_ShowsWhatCameAndExitsWithRunError()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = await SignedInAsync(h);
        h.Llm.Enqueue(LlmReply.Text("The first words and then the rest of a long answer.") with { AbortAfterChunks = 5 });

        var result = await cli.RunAsync("run", cli.Prompt("Hello."), "--output", "text");

        Assert.True(result.ExitCode == ExitCodes.RunFailed, result.ToString());
        Assert.False(string.IsNullOrWhiteSpace(result.Output), result.ToString());
        Assert.Contains("Error:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AccessTokenExpired_RefreshesAndKeepsTheRotatedRefreshToken()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = await SignedInAsync(h);
        var key = h.Host.BaseUrl.AbsoluteUri;
        var stored = JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!;
        var oldRefresh = (string?)stored["servers"]![key]!["refresh_token"];
        stored["servers"]![key]!["access_token_expires_at"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
        stored["servers"]![key]!["access_token"] = "expired";
        await File.WriteAllTextAsync(cli.CredentialsPath, stored.ToJsonString(), TestContext.Current.CancellationToken);
        h.Llm.Enqueue(LlmReply.Text("Fresh."));

        var result = await cli.RunAsync("run", cli.Prompt("Hello."));

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        var after = JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!;
        Assert.NotEqual(oldRefresh, (string?)after["servers"]![key]!["refresh_token"]);
        Assert.NotEqual("expired", (string?)after["servers"]![key]!["access_token"]);
    }

    [Fact]
    public async Task Logout_SignedIn_RevokesAndForgetsTheTokens()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        using var cli = await SignedInAsync(h);
        var key = h.Host.BaseUrl.AbsoluteUri;
        var stored = JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!;
        var refreshToken = (string)stored["servers"]![key]!["refresh_token"]!;
        var clientId = (string)stored["servers"]![key]!["client_id"]!;

        var logout = await cli.RunAsync("logout");

        Assert.True(logout.ExitCode == ExitCodes.Success, logout.ToString());
        Assert.Contains($"Signed out of {key}.", logout.Error, StringComparison.Ordinal);
        Assert.Null(JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!["servers"]![key]);
        using var oauth = new Infrastructure.OAuthTestClient(h.Host);
        var (status, _) = await oauth.RefreshAsync(clientId, refreshToken);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, status);
        Assert.Equal(ExitCodes.AuthError, (await cli.RunAsync("run", cli.Prompt("Hello."), "--server", key)).ExitCode);
    }

    [Fact]
    public async Task Run_DownstreamNeedsLogin_PrintsAndOpensTheLoginLink()
    {
        await using var h = await BrokerHarness.StartAsync();
        await h.Main.CreateUserAsync(Email, BrokerHarness.Password);
        using var cli = new CliSession(h.Main, Email, BrokerHarness.Password);
        Assert.Equal(ExitCodes.Success, (await cli.LoginAsync()).ExitCode);
        cli.Opened.Clear();
        cli.OnOpen = _ => Task.CompletedTask;
        var prompt = cli.Prompt($"---\nmcp: {h.Downstream.McpUrl.AbsoluteUri}\n---\nList my tasks.");

        var result = await cli.RunAsync("run", prompt, "--open");

        Assert.True(result.ExitCode == ExitCodes.ActionRequired, result.ToString());
        var link = Assert.Single(cli.Opened);
        Assert.Contains("/connections/login/", link.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains($"Sign in to {h.Downstream.McpUrl.AbsoluteUri}: {link.AbsoluteUri}", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public void DefaultConfigDirectory_XdgConfigHomeSet_UsesIt()
    {
        var root = Path.GetFullPath("/tmp/xdg-config");
        Assert.Equal(Path.Combine(root, "mcpsubagent"), CliEnvironment.DefaultConfigDirectory(name => name == "XDG_CONFIG_HOME" ? root : null));
        if (!OperatingSystem.IsWindows())
        {
            // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
            Assert.EndsWith(Path.Combine(".config", "mcpsubagent"), CliEnvironment.DefaultConfigDirectory(name => name == "XDG_CONFIG_HOME" ? "relative" : null), StringComparison.Ordinal);
        }
    }

    private static async Task<CliSession> SignedInAsync(OpenAIApiHarness h)
    {
        await h.Host.CreateUserAsync(Email, OpenAIApiHarness.Password);
        var cli = new CliSession(h.Host, Email, OpenAIApiHarness.Password);
        var login = await cli.LoginAsync();
        Assert.True(login.ExitCode == ExitCodes.Success, login.ToString());
        return cli;
    }
}
