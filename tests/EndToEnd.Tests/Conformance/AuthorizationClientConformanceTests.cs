using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Conformance;

/// <summary>
/// The official conformance suite's authorization client scenarios (<c>client --suite auth</c>) against the downstream
/// login broker: the suite plays the protected MCP server and its authorization server, and runs
/// tests/ConformanceClient, whose every OAuth step (discovery, registration, PKCE, callback, token exchange, scope
/// step-up) is the broker's.
/// </summary>
public sealed class AuthorizationClientConformanceTests
{
    private static readonly string[] Scenarios =
    [
        "metadata-default", "metadata-var1", "metadata-var2", "metadata-var3", "basic-cimd",
        "scope-from-www-authenticate", "scope-from-scopes-supported", "scope-omitted-when-undefined", "scope-step-up",
        "scope-retry-limit", "token-endpoint-auth-basic", "token-endpoint-auth-post", "token-endpoint-auth-none",
        "pre-registration",
    ];

    [Fact]
    public async Task ConformanceSuite_AuthScenarios_AllPassThroughTheBroker()
    {
        var (node, cli) = ConformanceSuite.Locate();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var client = SourceTree.Path("tests", "ConformanceClient", "bin", configuration, "net10.0", "McpSubAgent.ConformanceClient.dll");
        Assert.True(File.Exists(client), $"{client} is missing: the test project builds it first.");

        // The suite starts its 14 clients at once; on two cores each may take a while to start.
        var (exitCode, output) = await ConformanceSuite.RunAsync(node, cli, TimeSpan.FromMinutes(5),
            "client", "--command", $"dotnet {client}", "--suite", "auth", "--timeout", "180000", "--verbose");

        foreach (var scenario in Scenarios)
        {
            Assert.Contains($"✓ auth/{scenario}:", output, StringComparison.Ordinal);
        }

        Assert.Matches(@"Total: \d+ passed, 0 failed, 0 warnings", output);
        Assert.True(exitCode == 0, output);
    }
}
