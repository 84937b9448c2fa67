using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Operations;

/// <summary>
/// What README.md and docs/configuration.md claim, against the code: every documented setting exists with the
/// documented default, README's settings table agrees with the reference, and CI runs the README's test command.
/// </summary>
public sealed partial class DocumentationTests
{
    // A documented default that is not a plain value ("from the request", "{PublicBaseUrl}/…", one of several).
    private const string Unchecked = "(unchecked)";

    // Read by ASP.NET Core or OpenTelemetry themselves, not by an options class of ours.
    private static readonly HashSet<string> FrameworkSettings = ["ASPNETCORE_FORWARDEDHEADERS_ENABLED", "OTEL_EXPORTER_OTLP_ENDPOINT"];

    [Fact]
    public void ConfigurationReference_EverySettingExistsWithItsDocumentedDefault()
    {
        var settings = SettingsInCode();
        var problems = new List<string>();
        foreach (var row in SettingRows("docs", "configuration.md"))
        {
            for (var i = 0; i < row.Keys.Count; i++)
            {
                var key = row.Keys[i];
                var documentedDefault = row.Defaults.Count == row.Keys.Count ? row.Defaults[i] : Unchecked;
                if (key.StartsWith('…') || FrameworkSettings.Contains(key))
                {
                    continue;
                }

                if (key.Contains('{', StringComparison.Ordinal))
                {
                    // A section of named entries: the part before the name must be a setting (a dictionary or list).
                    var section = key[..key.IndexOf('{', StringComparison.Ordinal)].TrimEnd(':');
                    if (!settings.ContainsKey(section) && section != HostConstant("Agents.AgentExtensions", "ProvidersSectionName"))
                    {
                        problems.Add($"{key}: no setting {section}");
                    }

                    continue;
                }

                if (!settings.TryGetValue(key, out var codeDefault))
                {
                    problems.Add($"{key}: not a setting of the code");
                }
                else if (documentedDefault != Unchecked && documentedDefault != (string.IsNullOrEmpty(codeDefault) ? null : codeDefault))
                {
                    problems.Add($"{key}: documented default {documentedDefault ?? "none"}, the code's is {codeDefault ?? "none"}");
                }
            }
        }

        Assert.True(problems.Count == 0, "docs/configuration.md disagrees with the code:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Readme_SettingsTable_AgreesWithTheReference()
    {
        var reference = Defaults(SettingRows("docs", "configuration.md"));

        var readme = Defaults(SettingRows("README.md"));

        Assert.True(readme.Count >= 10, $"README's settings table was not found: {readme.Count} keys.");
        Assert.All(readme, setting =>
        {
            Assert.True(reference.TryGetValue(setting.Key, out var documented), $"README's {setting.Key} is not in docs/configuration.md.");
            if (setting.Value != Unchecked && documented != Unchecked)
            {
                Assert.True(documented == setting.Value, $"{setting.Key}: README says {setting.Value ?? "none"}, docs/configuration.md {documented ?? "none"}.");
            }
        });
    }

    [Fact]
    public void Readme_TestCommand_IsWhatCiRuns()
    {
        var readme = File.ReadAllText(SourceTree.Path("README.md"));
        var command = TestCommand().Match(readme).Groups[1].Value;
        var ci = File.ReadAllLines(SourceTree.Path(".ci", "run")).Where(l => !l.TrimStart().StartsWith('#')).ToList();

        Assert.Equal("dotnet test", command);
        Assert.Single(ci, l => l.TrimStart().StartsWith(command, StringComparison.Ordinal));
        Assert.DoesNotContain(ci, l => l.Contains("npm ", StringComparison.Ordinal) || l.Contains("apt-get", StringComparison.Ordinal));
    }

    [Fact]
    public void Readme_WhereTheServerListensAndKeepsItsDatabase_IsWhatTheCodeSays()
    {
        var readme = File.ReadAllText(SourceTree.Path("README.md"));
        var appSettings = JsonNode.Parse(File.ReadAllText(SourceTree.Path("src", "SubAgentServer", "appsettings.json")))!;

        Assert.Contains($"listens on `{appSettings["Urls"]}`", readme, StringComparison.Ordinal);
        var database = DefaultConnectionString()["Data Source=".Length..];
        Assert.Contains($"`src/SubAgentServer/{database}`", readme, StringComparison.Ordinal);
    }

    /// <summary>Every setting key of the options classes (as docs/configuration.md names them), with its default as text.</summary>
    private static Dictionary<string, string?> SettingsInCode()
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, property) in ConfigurationReferenceTests.OptionsSettings())
        {
            settings[key] = Text(property.GetValue(Activator.CreateInstance(property.DeclaringType!)));
        }

        // Read outside options classes: the connection string, the Data Protection certificate, Kestrel's address.
        settings["ConnectionStrings:Default"] = DefaultConnectionString();
        var dataProtection = File.ReadAllText(SourceTree.Path("src", "SubAgentServer", "Hosting", "DataProtectionExtensions.cs"));
        foreach (var key in new[] { "DataProtection:CertificatePath", "DataProtection:CertificatePassword" }.Where(k => dataProtection.Contains($"\"{k}\"", StringComparison.Ordinal)))
        {
            settings[key] = null;
        }

        settings["Urls"] = (string?)JsonNode.Parse(File.ReadAllText(SourceTree.Path("src", "SubAgentServer", "appsettings.json")))!["Urls"];

        // A runtime setting that the server's project file puts in its runtimeconfig.json (the environment variable wins).
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "McpSubAgent.SubAgentServer.runtimeconfig.json")))!;
        settings["DOTNET_TC_CallCountingDelayMs"] = runtimeConfig["runtimeOptions"]?["configProperties"]?["System.Runtime.TieredCompilation.CallCountingDelayMs"]?.ToJsonString();
        Assert.NotNull(HostType("Providers.ProviderEndpoint").GetProperty("BaseUrl"));
        return settings;
    }

    /// <summary>The connection string the server uses when none is configured.</summary>
    private static string DefaultConnectionString() => HostConstant("Data.DatabaseExtensions", "DefaultConnectionString");

    private static string HostConstant(string type, string name) => (string)HostType(type).GetField(name)!.GetRawConstantValue()!;

    /// <summary>A type of the server, found as <see cref="ConfigurationReferenceTests.OptionsSettings"/> finds its options classes.</summary>
    private static Type HostType(string name) =>
        typeof(Program).Assembly.GetType("McpSubAgent.SubAgentServer." + name, throwOnError: true)!;

    private static string? Text(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s => s,
        _ => "(a collection)",
    };

    /// <summary>The rows of the <c>| key | default | meaning |</c> tables of a markdown file.</summary>
    private static IEnumerable<SettingRow> SettingRows(params string[] path)
    {
        var inTable = false;
        foreach (var line in File.ReadLines(SourceTree.Path(path)))
        {
            if (line.StartsWith("| key | default |", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            if (!line.StartsWith('|'))
            {
                inTable = false;
                continue;
            }

            var cells = line.Split('|');
            if (!inTable || cells.Length < 4 || cells[1].StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }

            var keyCell = cells[1].Trim();
            var defaultCell = cells[2].Trim();
            yield return new SettingRow(keyCell, defaultCell, Quoted(keyCell), [.. defaultCell.Split(", ").Select(Default)]);
        }
    }

    /// <summary>Each key of the rows with its documented default.</summary>
    private static Dictionary<string, string?> Defaults(IEnumerable<SettingRow> rows) =>
        rows.SelectMany(r => r.Keys.Select((key, i) => (key, value: r.Defaults.Count == r.Keys.Count ? r.Defaults[i] : Unchecked)))
            .Where(s => !s.key.StartsWith('…'))
            .ToDictionary(s => s.key, s => s.value, StringComparer.Ordinal);

    private static List<string> Quoted(string cell) => [.. Code().Matches(cell).Select(m => m.Groups[1].Value)];

    /// <summary>A documented default: a quoted value, none (null), or <see cref="Unchecked"/>.</summary>
    private static string? Default(string text) => text switch
    {
        _ when text.StartsWith("none", StringComparison.Ordinal) => null,
        _ when Code().Match(text) is { Success: true } m && m.Value == text && !text.Contains('{', StringComparison.Ordinal) => m.Groups[1].Value,
        _ => Unchecked,
    };

    private sealed record SettingRow(string KeyCell, string DefaultCell, IReadOnlyList<string> Keys, IReadOnlyList<string?> Defaults);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    [GeneratedRegex("Run the tests[^\n]*\n+```bash\n([^\n]+)\n```")]
    private static partial Regex TestCommand();
}
