using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using McpSubAgent.EndToEnd.Tests.Conformance;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace McpSubAgent.EndToEnd.Tests.Operations;

/// <summary>
/// What the container image does, without a container engine (none runs here): the Dockerfile's publish command, its
/// entry point with compose.yaml's settings for the app (their defaults, on SQLite instead of the SQL Server service),
/// and the <c>users</c> command as <c>docker compose run app users add</c> runs it.
/// </summary>
public sealed partial class PublishedAppTests
{
    [Fact]
    public async Task DockerfilePublish_RunsWithComposeSettings_AnswersHealthAndDiscovery()
    {
        var dockerfile = await File.ReadAllTextAsync(SourceTree.Path("Dockerfile"), TestContext.Current.CancellationToken);
        var publish = PublishCommand().Match(dockerfile);
        Assert.True(publish.Success, "The Dockerfile's build stage publishes the server with `dotnet publish`.");
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"McpSubAgent.SubAgentServer.dll\"]", dockerfile, StringComparison.Ordinal);
        Assert.Matches(@"USER \$APP_UID", dockerfile);

        var output = Directory.CreateTempSubdirectory("mcpsubagent-publish-").FullName;
        var arguments = publish.Groups[1].Value.Replace("-o /app", $"-o {output}", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (published, log) = await RunAsync("dotnet", SourceTree.Path(), new Dictionary<string, string?>(), TimeSpan.FromMinutes(5), arguments);
        Assert.True(published == 0, log);
        var app = Path.Combine(output, "McpSubAgent.SubAgentServer.dll");
        Assert.True(File.Exists(app), log);

        // The chat page's bundle (built by the project's npm target here, by the image's node stage there) is published.
        Assert.True(File.Exists(Path.Combine(output, "wwwroot", "chat", "index.html")), log);

        var environment = ComposeAppEnvironment();
        Assert.Equal("SqlServer", environment["Database__Provider"]);
        var database = Path.Combine(Directory.CreateTempSubdirectory("mcpsubagent-published-db-").FullName, "app.db");
        environment["Database__Provider"] = "Sqlite";
        environment["ConnectionStrings__Default"] = $"Data Source={database}";
        // The image's own ENV, on a free loopback port instead of all interfaces' 8080.
        var port = ConformanceSuite.FreePort();
        foreach (Match variable in EnvAssignment().Matches(dockerfile.Replace("\\\n", " ", StringComparison.Ordinal)))
        {
            environment[variable.Groups[1].Value] = variable.Groups[2].Value.Replace("http://+:8080", $"http://127.0.0.1:{port}", StringComparison.Ordinal);
        }

        Assert.Equal($"http://127.0.0.1:{port}", environment["Urls"]);

        var (added, addLog) = await RunAsync("dotnet", output, environment, TimeSpan.FromMinutes(2),
            app, "users", "add", "team@example.com", "--password", "Team-Passphrase-1");
        Assert.True(added == 0, addLog);

        using var server = Process.Start(Start("dotnet", output, environment, app))!;
        var serverLog = new StringBuilder();
        server.OutputDataReceived += (_, line) => { lock (serverLog) { serverLog.AppendLine(line.Data); } };
        server.ErrorDataReceived += (_, line) => { lock (serverLog) { serverLog.AppendLine(line.Data); } };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var health = await WaitForHealthAsync(http, server, serverLog);
            Assert.Contains("\"database\":\"Healthy\"", health, StringComparison.Ordinal);

            // compose.yaml's PublicBaseUrl default is the issuer, whatever address the request came to.
            var discovery = await http.GetStringAsync(".well-known/oauth-authorization-server", TestContext.Current.CancellationToken);
            Assert.Equal("http://localhost:8080/", System.Text.Json.JsonDocument.Parse(discovery).RootElement.GetProperty("issuer").GetString());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The app service's environment in compose.yaml, each <c>${VAR:-default}</c> taken at its default.</summary>
    private static Dictionary<string, string?> ComposeAppEnvironment()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(SourceTree.Path("compose.yaml")))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var app = (YamlMappingNode)((YamlMappingNode)root["services"])["app"];
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in (YamlMappingNode)app["environment"])
        {
            environment[((YamlScalarNode)key).Value!] = Defaults().Replace(((YamlScalarNode)value).Value ?? "", m => m.Groups[2].Value);
        }

        return environment;
    }

    private static async Task<string> WaitForHealthAsync(HttpClient http, Process server, StringBuilder log)
    {
        for (var attempt = 0; attempt < 120; attempt++)
        {
            Assert.False(server.HasExited, $"The published server exited: {log}");
            try
            {
                using var response = await http.GetAsync("healthz/ready", TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"The published server did not become healthy: {log}");
    }

    private static ProcessStartInfo Start(string file, string directory, Dictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string file, string directory, Dictionary<string, string?> environment, TimeSpan limit, params string[] arguments)
    {
        using var process = Process.Start(Start(file, directory, environment, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(limit, TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await errors);
    }

    [GeneratedRegex(@"RUN dotnet (publish [^\n]+)")]
    private static partial Regex PublishCommand();

    /// <summary>The assignments of the Dockerfile's ENV instructions (continuation lines joined).</summary>
    [GeneratedRegex(@"(?<=ENV [^\n]*?)\b([A-Za-z_]+)=(\S+)")]
    private static partial Regex EnvAssignment();

    [GeneratedRegex(@"\$\{([A-Z_]+):-([^}]*)\}")]
    private static partial Regex Defaults();
}
