using System.Globalization;
using System.Text;
using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>How the answer shows URL context: a collapsible block like a tool call's, and the logins sites ask for.</summary>
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

    /// <summary>The login links of sites that need one; the model was not called.</summary>
    public static string LoginRequired(IReadOnlyList<McpLoginLink> links) =>
        LoginLinks(links) + "\n\nAfter authentication, retry your request.";

    /// <summary>The login links, while the run waits for the logins (<c>mcp_wait_for_login</c>).</summary>
    public static string WaitingForLogin(IReadOnlyList<McpLoginLink> links, TimeSpan timeout)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(timeout.TotalMinutes));
        return LoginLinks(links) +
               $"\n\n_Waiting up to {minutes} minute{(minutes == 1 ? "" : "s")} for the login; the answer follows once it is done._\n\n";
    }

    private static string LoginLinks(IReadOnlyList<McpLoginLink> links) =>
        "# Login Required to Read Pages\n\n" +
        "To read the pages of your message, you need to log in to these sites:\n\n" +
        string.Join("\n", links.Select(l => $"- [Authorize {Html(l.ServerUrl.Authority)}](<{l.Url.AbsoluteUri}>)"));

    private static string Html(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("[", "\\[", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal);
}
