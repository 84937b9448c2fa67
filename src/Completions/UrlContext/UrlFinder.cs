using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>
/// Finds the URLs a person wrote in the last user message of a conversation: every http(s) URL, or with
/// <see cref="UrlContextMode.At"/> only those written as <c>@https://…</c>.
/// </summary>
internal static partial class UrlFinder
{
    /// <summary>The most characters of a message searched: a pasted book is not a list of links.</summary>
    private const int MaxTextLength = 200_000;

    /// <summary>The last <c>user</c> message's text (a string, or its text parts joined), or null.</summary>
    public static string? LastUserText(JsonArray messages)
    {
        var message = messages.OfType<JsonObject>().LastOrDefault(m => m["role"] is JsonValue r && r.TryGetValue(out string? role) && role == "user");
        return message?["content"] switch
        {
            JsonValue v when v.TryGetValue(out string? s) => s,
            JsonArray parts => string.Join("\n", parts.OfType<JsonObject>()
                .Where(p => p["type"] is JsonValue t && t.TryGetValue(out string? type) && type == "text")
                .Select(p => p["text"] is JsonValue t && t.TryGetValue(out string? text) ? text : null)
                .OfType<string>()),
            _ => null,
        };
    }

    /// <summary>The distinct absolute http(s) URLs of <paramref name="text"/> in the order written (fragments dropped).</summary>
    public static List<Uri> Find(string text, UrlContextMode mode)
    {
        var found = new List<Uri>();
        if (mode == UrlContextMode.Off)
        {
            return found;
        }

        var searched = text.Length > MaxTextLength ? text[..MaxTextLength] : text;
        foreach (Match match in Candidate().Matches(searched))
        {
            if (mode == UrlContextMode.At && !match.Groups["at"].Success)
            {
                continue;
            }

            var candidate = TrimEnd(match.Groups["url"].Value);
            if (Uri.TryCreate(candidate, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0
                && string.IsNullOrEmpty(url.UserInfo))
            {
                var normalized = new UriBuilder(url) { Fragment = "" }.Uri;
                if (!found.Contains(normalized))
                {
                    found.Add(normalized);
                }
            }
        }

        return found;
    }

    /// <summary>Drops what ends a sentence or a markdown link rather than the URL: trailing punctuation, an unmatched bracket.</summary>
    private static string TrimEnd(string url)
    {
        while (url.Length > 0)
        {
            var last = url[^1];
            if (last is '.' or ',' or ';' or ':' or '!' or '?' or '\'' or '"' or '*' or '_')
            {
                url = url[..^1];
            }
            else if (last is ')' or ']' && Count(url, last == ')' ? '(' : '[') < Count(url, last))
            {
                url = url[..^1];
            }
            else
            {
                break;
            }
        }

        return url;
    }

    private static int Count(string text, char c) => text.Count(x => x == c);

    // An @ directly before the URL marks it for the "at" mode; the URL runs until whitespace, a quote or an angle bracket.
    [GeneratedRegex(@"(?<at>@)?(?<url>https?://[^\s<>""'`]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Candidate();
}
