using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Conformance;

/// <summary>
/// The official MCP conformance suite's authorization-server scenarios against our issuer. The suite prints the
/// authorization URL and waits for a browser to bring the code to its callback; the test is that person, signing in and
/// allowing access through our pages.
/// </summary>
public sealed class AuthorizationServerConformanceTests
{
    private const string Email = "conformance@example.com";
    private const string Password = "Conformance-Suite-2025";

    [Fact]
    public async Task ConformanceSuite_AuthorizationScenarios_AllPass()
    {
        var (node, cli) = ConformanceSuite.Locate();

        await using var host = await SubAgentHost.StartAsync();
        await host.CreateUserAsync(Email, Password);
        var port = ConformanceSuite.FreePort();
        using var oauth = new OAuthTestClient(host);
        var clientId = await oauth.RegisterAsync($"http://127.0.0.1:{port}/callback");

        using var process = Process.Start(new ProcessStartInfo(node)
        {
            ArgumentList = { cli, "authorization", "--url", host.BaseUrl.AbsoluteUri, "--client-id", clientId, "--resource", host.McpUrl.AbsoluteUri, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["NO_COLOR"] = "1", ["FORCE_COLOR"] = "0" },
        })!;
        var output = new StringBuilder();
        var authorizationUrl = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }

            if (line.Data?.StartsWith(new Uri(host.BaseUrl, "connect/authorize").AbsoluteUri, StringComparison.Ordinal) == true)
            {
                authorizationUrl.TrySetResult(new Uri(line.Data.Trim()));
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var url = await authorizationUrl.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            using var browser = new Browser(host.BaseUrl);
            var callback = await browser.AuthorizeAsync(url, Email, Password);
            Assert.Equal($"http://127.0.0.1:{port}/callback", callback.GetLeftPart(UriPartial.Path));

            // The browser's last hop: the redirect reaches the suite's callback server.
            using var http = new HttpClient();
            using var delivered = await http.GetAsync(callback, TestContext.Current.CancellationToken);

            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var text = output.ToString();
        Assert.True(process.ExitCode == 0, text);
        Assert.True(text.Contains("Total: 3 passed, 0 failed", StringComparison.Ordinal), text);
        Assert.DoesNotContain("FAILURE", text, StringComparison.Ordinal);
    }
}
