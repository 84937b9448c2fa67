using System.Text.Json.Nodes;
using McpSubAgent.Cli;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.Cli;

/// <summary>
/// <c>mcpsubagent login --device</c> against a real server, the test playing the person who enters the code: it opens
/// <c>verification_uri_complete</c>, signs in on the real login page and answers the verification page.
/// </summary>
public sealed class DeviceLoginTests
{
    private const string Email = "device-user@example.com";

    [Fact]
    public async Task LoginDevice_PersonAllows_StoresTokensReadableByOwnerOnlyAndRunWorks()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        await h.Host.CreateUserAsync(Email, OpenAIApiHarness.Password);
        using var cli = new CliSession(h.Host, Email, OpenAIApiHarness.Password) { TimeProvider = new FastTimers() };
        string? verificationPage = null;
        cli.OnOpen = async url =>
        {
            using var browser = new Browser(h.Host.BaseUrl);
            (verificationPage, _) = await browser.VerifyDeviceAsync(url, Email, OpenAIApiHarness.Password);
        };

        var login = await cli.RunAsync("login", "--device", "--open", "--server", h.Host.BaseUrl.AbsoluteUri);

        Assert.True(login.ExitCode == ExitCodes.Success, login.ToString());
        var opened = Assert.Single(cli.Opened);
        Assert.Equal("/connect/verify", opened.AbsolutePath);
        var userCode = System.Web.HttpUtility.ParseQueryString(opened.Query)["user_code"];
        Assert.False(string.IsNullOrEmpty(userCode));
        Assert.Contains($"open {new Uri(h.Host.BaseUrl, "connect/verify").AbsoluteUri} and enter the code {userCode}", login.Error, StringComparison.Ordinal);
        Assert.Contains($"or open: {opened.AbsoluteUri}", login.Error, StringComparison.Ordinal);
        Assert.Contains("mcpsubagent CLI", verificationPage, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.CredentialsPath));
        }

        var stored = JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!["servers"]![h.Host.BaseUrl.AbsoluteUri]!;
        Assert.False(string.IsNullOrEmpty((string?)stored["refresh_token"]));
        Assert.Contains("urn:ietf:params:oauth:grant-type:device_code", stored["grant_types"]!.AsArray().Select(g => (string?)g));

        h.Llm.Enqueue(LlmReply.Text("Hello from a headless box."));
        var run = await cli.RunAsync("run", cli.Prompt("Say hello."));
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.EndsWith("Hello from a headless box.\n", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginDevice_AfterBrowserLoginWithAnOlderClient_RegistersAgainWithTheDeviceGrant()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        await h.Host.CreateUserAsync(Email, OpenAIApiHarness.Password);
        using var cli = new CliSession(h.Host, Email, OpenAIApiHarness.Password) { TimeProvider = new FastTimers() };
        Assert.Equal(ExitCodes.Success, (await cli.LoginAsync()).ExitCode);

        // A client stored before the device flow existed: no grant types recorded.
        var file = JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!;
        var server = file["servers"]![h.Host.BaseUrl.AbsoluteUri]!.AsObject();
        var browserClient = (string)server["client_id"]!;
        server.Remove("grant_types");
        await File.WriteAllTextAsync(cli.CredentialsPath, file.ToJsonString(), TestContext.Current.CancellationToken);
        cli.OnOpen = async url =>
        {
            using var browser = new Browser(h.Host.BaseUrl);
            await browser.VerifyDeviceAsync(url, Email, OpenAIApiHarness.Password);
        };

        var login = await cli.RunAsync("login", "--device", "--open");

        Assert.True(login.ExitCode == ExitCodes.Success, login.ToString());
        var stored = JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!["servers"]![h.Host.BaseUrl.AbsoluteUri]!;
        Assert.NotEqual(browserClient, (string?)stored["client_id"]);

        // The new client serves the browser login as well: it is reused.
        cli.OnOpen = null;
        var browserLogin = await cli.RunAsync("login");
        Assert.True(browserLogin.ExitCode == ExitCodes.Success, browserLogin.ToString());
        var again = JsonNode.Parse(await File.ReadAllTextAsync(cli.CredentialsPath, TestContext.Current.CancellationToken))!["servers"]![h.Host.BaseUrl.AbsoluteUri]!;
        Assert.Equal((string?)stored["client_id"], (string?)again["client_id"]);
    }

    [Fact]
    public async Task LoginDevice_PersonDenies_ExitsWithAuthErrorAndStoresNothing()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        await h.Host.CreateUserAsync(Email, OpenAIApiHarness.Password);
        using var cli = new CliSession(h.Host, Email, OpenAIApiHarness.Password) { TimeProvider = new FastTimers() };
        cli.OnOpen = async url =>
        {
            using var browser = new Browser(h.Host.BaseUrl);
            await browser.VerifyDeviceAsync(url, Email, OpenAIApiHarness.Password, "deny");
        };

        var login = await cli.RunAsync("login", "--device", "--open", "--server", h.Host.BaseUrl.AbsoluteUri);

        Assert.True(login.ExitCode == ExitCodes.AuthError, login.ToString());
        Assert.Contains("The sign-in was denied", login.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.CredentialsPath));
    }

    [Fact]
    public async Task LoginDevice_NobodyEntersTheCode_ExitsWithAuthErrorWhenItExpires()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["IdentityProvider:DeviceCodeLifetime"] = "00:00:02" });
        using var cli = new CliSession(h.Host, Email, OpenAIApiHarness.Password) { TimeProvider = new FastTimers() };

        var login = await cli.RunAsync("login", "--device", "--server", h.Host.BaseUrl.AbsoluteUri);

        Assert.True(login.ExitCode == ExitCodes.AuthError, login.ToString());
        Assert.True(login.Error.Contains("The code expired before the sign-in was allowed", StringComparison.Ordinal), login.ToString());
        Assert.Empty(cli.Opened);
        Assert.False(File.Exists(cli.CredentialsPath));
    }
}
