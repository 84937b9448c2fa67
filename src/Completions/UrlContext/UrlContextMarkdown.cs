using System.Globalization;
using System.Text;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>How the answer shows URL context: a collapsible block like a tool call's.</summary>
internal static class UrlContextMarkdown
{
    /// <summary>
    /// A <c>&lt;details&gt;</c> block headed like a tool call (the chat page draws it as one) listing each URL with what
    /// came of it. URLs and titles come from the message and the sites, so they are escaped.
    /// </summary>
    public static string Read(IReadOnlyList<UrlRead> urls)
    {
        var read = urls.Count(u => u.Status == UrlReadStatus.Read);
        var text = new StringBuilder("\n\n<details><summary>🔧 url_context (")
            .Append(read.ToString(CultureInfo.InvariantCulture)).Append(" of ").Append(urls.Count.ToString(CultureInfo.InvariantCulture))
            .Append(urls.Count == 1 ? " URL" : " URLs").Append(" read)</summary>\n\n");
        foreach (var url in urls)
        {
            text.Append(url.Status == UrlReadStatus.Read ? "- ✅ " : "- ❌ ").Append(Html(url.Url.AbsoluteUri));
            if (url.Title is not null)
            {
                text.Append(" — ").Append(Html(url.Title));
            }

            if (url.Status == UrlReadStatus.Read)
            {
                text.Append(" (").Append(Html(url.ContentType ?? "")).Append(", ")
                    .Append(url.Characters.ToString("N0", CultureInfo.InvariantCulture)).Append(" characters)");
            }

            if (url.Note is not null)
            {
                text.Append(": ").Append(Html(url.Note));
            }

            text.Append('\n');
        }

        return text.Append("\n</details>\n\n").ToString();
    }

    private static string Html(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("[", "\\[", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal);
}
