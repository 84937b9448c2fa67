using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace McpSubAgent.Cli.Prompts;

/// <summary>
/// A markdown prompt with optional front matter. The keys that shape the request (<c>model:</c>, <c>output:</c>,
/// <c>max_rounds:</c>) become request fields; every other key (<c>mcp:</c>, <c>profile:</c>, <c>require_approval:</c>,
/// <c>urls:</c>, <c>mcp_search:</c>, ...) stays in the front matter of the message, which the server reads.
/// </summary>
internal sealed record PromptFile(string Message, string? Model, string? Output, int? MaxRounds)
{
    /// <summary>The largest prompt file read: the server refuses bigger bodies anyway.</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly string[] RequestKeys = ["model", "output", "max_rounds"];

    public static async Task<PromptFile> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new CliException(ExitCodes.UsageError, $"{path}: no such file.");
        }

        if (file.Length > MaxBytes)
        {
            throw new CliException(ExitCodes.UsageError, $"{path} is larger than {MaxBytes} bytes.");
        }

        return Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
    }

    public static PromptFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = text.ReplaceLineEndings("\n");
        if (!TrySplit(normalized, out var yaml, out var rest))
        {
            return new PromptFile(normalized, null, null, null);
        }

        object? document;
        try
        {
            document = new DeserializerBuilder().Build().Deserialize<object>(yaml);
        }
        catch (YamlException ex)
        {
            throw new CliException(ExitCodes.UsageError, $"The front matter is not valid YAML: {ex.Message}");
        }

        if (document is not Dictionary<object, object> map)
        {
            return new PromptFile(normalized, null, null, null);
        }

        var model = Scalar(map, "model");
        var output = Scalar(map, "output");
        if (output is not (null or "markdown" or "text"))
        {
            throw new CliException(ExitCodes.UsageError, $"Front matter 'output' must be markdown or text, not {output}.");
        }

        int? maxRounds = null;
        if (Scalar(map, "max_rounds") is { } rounds)
        {
            maxRounds = int.TryParse(rounds, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100
                ? n
                : throw new CliException(ExitCodes.UsageError, "Front matter 'max_rounds' must be a whole number from 1 to 100.");
        }

        foreach (var key in RequestKeys)
        {
            map.Remove(key);
        }

        var message = map.Count == 0 ? rest : $"---\n{new SerializerBuilder().Build().Serialize(map)}---\n{rest}";
        return new PromptFile(message, model, output, maxRounds);
    }

    private static string? Scalar(Dictionary<object, object> map, string key) => map.TryGetValue(key, out var value) switch
    {
        false => null,
        true when value is null => null,
        true when value is string s => string.IsNullOrWhiteSpace(s) ? null : s.Trim(),
        _ => throw new CliException(ExitCodes.UsageError, $"Front matter '{key}' must be a single value."),
    };

    private static bool TrySplit(string text, out string yaml, out string rest)
    {
        yaml = rest = "";
        if (!text.StartsWith("---\n", StringComparison.Ordinal))
        {
            return false;
        }

        for (var end = text.IndexOf("\n---", 3, StringComparison.Ordinal); end >= 0; end = text.IndexOf("\n---", end + 4, StringComparison.Ordinal))
        {
            var afterFence = end + 4;
            if (afterFence == text.Length || text[afterFence] == '\n')
            {
                yaml = end > 4 ? text[4..end] : "";
                rest = afterFence >= text.Length ? "" : text[(afterFence + 1)..].TrimStart('\n');
                return true;
            }
        }

        return false;
    }
}
