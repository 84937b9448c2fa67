using McpSubAgent.Cli;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Cli;

/// <summary>
/// The <c>mcpsubagent</c> tool run in process through its entry point, with its own config folder, against a real
/// server. Its "browser" is the test: it signs in on the server's pages with a <see cref="Browser"/> and then follows
/// the redirect to the CLI's loopback listener, as a person's browser would.
/// </summary>
internal sealed class CliSession(SubAgentHost host, string email, string password) : IDisposable
{
    public string ConfigDirectory { get; } = Directory.CreateTempSubdirectory("mcpsubagent-cli-").FullName;

    public string CredentialsPath => Path.Combine(ConfigDirectory, "credentials.json");

    /// <summary>The URLs the CLI asked to open, in order.</summary>
    public List<Uri> Opened { get; } = [];

    /// <summary>What the browser does with a URL; by default it signs in for sign-in links and only records others.</summary>
    public Func<Uri, Task>? OnOpen { get; set; }

    /// <summary>The CLI's clock and timers (<see cref="FastTimers"/> makes device-flow polls quick).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public Task<CliResult> LoginAsync() => RunAsync("login", "--server", host.BaseUrl.AbsoluteUri);

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new CliEnvironment
        {
            Output = TextWriter.Synchronized(output),
            Error = TextWriter.Synchronized(error),
            ConfigDirectory = ConfigDirectory,
            OpenBrowser = OpenAsync,
            TimeProvider = TimeProvider,
        };
        var exit = await CliApp.RunAsync(args, environment, TestContext.Current.CancellationToken);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>Writes a prompt file and returns its path.</summary>
    public string Prompt(string text)
    {
        var path = Path.Combine(ConfigDirectory, $"prompt-{Guid.NewGuid():N}.md");
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(ConfigDirectory, recursive: true);

    private async Task OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        Opened.Add(url);
        if (OnOpen is not null)
        {
            await OnOpen(url);
            return;
        }

        if (url.AbsolutePath.EndsWith("/connect/authorize", StringComparison.Ordinal))
        {
            using var browser = new Browser(host.BaseUrl);
            var callback = await browser.AuthorizeAsync(url, email, password);
            using var http = new HttpClient();
            using var response = await http.GetAsync(callback, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
