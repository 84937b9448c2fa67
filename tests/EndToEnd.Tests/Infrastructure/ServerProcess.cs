using System.Diagnostics;
using System.Globalization;

namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>The server as a process of its own (the build output next to the tests), so that a test can kill it (SIGKILL).</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public Uri McpUrl => new(BaseUrl, "mcp");

    public static async Task<ServerProcess> StartAsync(TestDatabase database, IReadOnlyDictionary<string, string?> settings)
    {
        var port = LoopbackPort.Free();
        var start = StartInfo(database, settings, []);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        await server.WaitUntilHealthyAsync();
        return server;
    }

    /// <summary>
    /// Runs the server's command line (<c>users ...</c>, <c>clients ...</c>) as an operator does, in a process of its own on
    /// <paramref name="database"/>, and returns its exit code and what it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunCommandAsync(
        TestDatabase database, string[] args, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var start = StartInfo(database, settings ?? new Dictionary<string, string?>(), args);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>Kills the process at once (SIGKILL): no shutdown, its leases stay until they expire.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>The server's build output next to the tests, on <paramref name="database"/>, configured as the in-process test hosts are.</summary>
    private static ProcessStartInfo StartInfo(TestDatabase database, IReadOnlyDictionary<string, string?> settings, string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "McpSubAgent.SubAgentServer.dll"), .. args])
        {
            WorkingDirectory = Directory.CreateTempSubdirectory("mcpsubagent-process-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Database:Provider"] = database.Provider,
            ["ConnectionStrings:Default"] = database.ConnectionString,
            ["DataProtection:KeyDirectory"] = database.KeyDirectory,
            ["Completions:AllowPrivateNetworkServers"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return start;
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.False(_process.HasExited, $"the server process exited with {(_process.HasExited ? _process.ExitCode : 0)}");
            try
            {
                using var response = await http.GetAsync("healthz", TestContext.Current.CancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, "the server process did not answer /healthz within a minute");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
