using System.Diagnostics;
using System.Text;
using System.Text.Json;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace McpSubAgent.EndToEnd.Tests.TypeScriptClient;

/// <summary>
/// The official TypeScript MCP SDK client (node/connect.mjs) logs in to /mcp through discovery, dynamic registration,
/// our login and consent pages and PKCE, connects, refreshes its token and connects again.
/// </summary>
public sealed class TypeScriptSdkClientTests
{
    private const string Email = "grace@example.com";
    private const string Password = "Compiler-Pioneer-1952";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task TypeScriptSdkClient_DynamicRegistrationLoginConsentAndRefresh_Connects()
    {
        var nodeFolder = FindNodeFolder();
        Assert.True(
            Directory.Exists(Path.Combine(nodeFolder, "node_modules", "@modelcontextprotocol", "sdk")),
            $"The TypeScript SDK is not installed: run `npm ci` in {nodeFolder} (CI does it in .ci/run).");

        await using var host = await SubAgentHost.StartAsync();
        await host.CreateUserAsync(Email, Password);

        var (exitCode, stdout, stderr) = await RunNodeAsync(nodeFolder, "connect.mjs", host.McpUrl.AbsoluteUri, Email, Password);

        Assert.True(exitCode == 0, $"node connect.mjs exited with {exitCode}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, $"No JSON line in the output.\nstdout:\n{stdout}\nstderr:\n{stderr}");
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
    }

    /// <summary>tests/EndToEnd.Tests/TypeScriptClient/node in the source tree: up from the output folder to McpSubAgent.sln.</summary>
    private static string FindNodeFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "McpSubAgent.sln")))
            {
                var folder = Path.Combine(directory.FullName, "tests", "EndToEnd.Tests", "TypeScriptClient", "node");
                Assert.True(File.Exists(Path.Combine(folder, "package.json")), $"No package.json in {folder}.");
                return folder;
            }
        }

        Assert.Fail($"McpSubAgent.sln was not found above {AppContext.BaseDirectory}.");
        return null!;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunNodeAsync(string workingDirectory, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"Could not start node (is it on PATH?): {e.Message}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"node did not finish within {Timeout.TotalSeconds} s.\nstdout:\n{stdout}\nstderr:\n{stderr}");
            }

            throw;
        }

        // WaitForExitAsync returns after the redirected streams have reached their end.
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
