using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>
/// A request's opt-in to URL context: the URLs of the last user message are fetched and their text given to the model.
/// Set by a <c>{"type": "url_context", "max_urls": N, "max_context_length": N, "mode": "all" | "at"}</c> tool entry
/// or by <c>urls: all | at | off</c> in front matter.
/// </summary>
/// <param name="Mode">Which URLs are read.</param>
/// <param name="MaxUrls">The most URLs read (1 to <see cref="MaxUrlsLimit"/>), or null for <see cref="UrlContextOptions.DefaultMaxUrls"/>.</param>
/// <param name="MaxContextLength">
/// The most characters of page text given to the model, all pages together (<see cref="MinContextLength"/> to
/// <see cref="MaxContextLengthLimit"/>), or null for <see cref="UrlContextOptions.DefaultMaxContextLength"/>.
/// </param>
public sealed record UrlContextSpec(UrlContextMode Mode, int? MaxUrls = null, int? MaxContextLength = null)
{
    /// <summary>The most URLs one request may have read.</summary>
    public const int MaxUrlsLimit = 20;

    /// <summary>The smallest <c>max_context_length</c> accepted.</summary>
    public const int MinContextLength = 1_000;

    /// <summary>The largest <c>max_context_length</c> accepted.</summary>
    public const int MaxContextLengthLimit = 1_000_000;

    /// <summary>Whether a tool entry is a URL context entry (<c>"type": "url_context"</c>).</summary>
    /// <param name="tool">The tool entry.</param>
    /// <returns>True for a URL context entry.</returns>
    public static bool IsToolEntry(JsonObject tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return tool["type"] is JsonValue v && v.TryGetValue(out string? t) && t == "url_context";
    }

    /// <summary>Reads a <c>url_context</c> tool entry; its mode is <see cref="UrlContextMode.All"/> unless it says <c>"mode": "at"</c>.</summary>
    /// <param name="tool">The tool entry.</param>
    /// <param name="param">Where the entry is in the request (e.g. <c>tools[1]</c>), named in errors.</param>
    /// <returns>The spec.</returns>
    /// <exception cref="InvalidRequestException">A field has the wrong type or is out of range, or the entry has an unknown field.</exception>
    public static UrlContextSpec FromToolEntry(JsonObject tool, string param)
    {
        ArgumentNullException.ThrowIfNull(tool);
        foreach (var (name, _) in tool)
        {
            if (name is not ("type" or "max_urls" or "max_context_length" or "mode"))
            {
                throw new InvalidRequestException($"The url_context tool has no field '{name}'.", $"{param}.{name}");
            }
        }

        var mode = tool["mode"] switch
        {
            null => UrlContextMode.All,
            JsonValue v when v.TryGetValue(out string? s) && ParseMode(s) is { } parsed and not UrlContextMode.Off => parsed,
            _ => throw new InvalidRequestException("'mode' of the url_context tool must be \"all\" or \"at\".", $"{param}.mode"),
        };
        return new UrlContextSpec(
            mode,
            ReadInt(tool, "max_urls", 1, MaxUrlsLimit, param),
            ReadInt(tool, "max_context_length", MinContextLength, MaxContextLengthLimit, param));
    }

    /// <summary>Reads <c>all</c>, <c>at</c> or <c>off</c>; null for anything else.</summary>
    /// <param name="value">The front matter or tool value.</param>
    /// <returns>The mode, or null.</returns>
    public static UrlContextMode? ParseMode(string? value) => value switch
    {
        "all" => UrlContextMode.All,
        "at" => UrlContextMode.At,
        "off" => UrlContextMode.Off,
        _ => null,
    };

    /// <summary>Throws an <see cref="InvalidRequestException"/> when a limit is out of range (for specs built by hand).</summary>
    public void Validate()
    {
        if (MaxUrls is < 1 or > MaxUrlsLimit)
        {
            throw new InvalidRequestException($"'max_urls' must be a whole number from 1 to {MaxUrlsLimit}.", "tools");
        }

        if (MaxContextLength is < MinContextLength or > MaxContextLengthLimit)
        {
            throw new InvalidRequestException(
                $"'max_context_length' must be a whole number from {MinContextLength} to {MaxContextLengthLimit}.", "tools");
        }

        if (!Enum.IsDefined(Mode))
        {
            throw new InvalidRequestException("The URL context mode must be all, at or off.", "tools");
        }
    }

    private static int? ReadInt(JsonObject tool, string name, int min, int max, string param)
    {
        if (tool[name] is not JsonNode node)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue(out int value) || value < min || value > max)
        {
            throw new InvalidRequestException($"'{name}' must be a whole number from {min} to {max}.", $"{param}.{name}");
        }

        return value;
    }
}
