using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.Completions.Credentials;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Rendering;

/// <summary>
/// Writes tool calls, results, errors and login requests as markdown, in the <c>&lt;details&gt;</c> form of
/// mcp-completions so that pages built for it render ours. Anything a server sends is escaped or fenced: a tool result
/// must never become live HTML in a chat page.
/// </summary>
public static partial class MarkdownRenderer
{
    /// <summary>A collapsible block with the tool, its server's authority and its arguments as pretty JSON.</summary>
    /// <param name="toolName">The MCP tool's name.</param>
    /// <param name="serverUrl">The server it runs on.</param>
    /// <param name="arguments">The call's arguments as JSON text (shown as they are when they are not JSON).</param>
    /// <returns>The markdown.</returns>
    public static string ToolCall(string toolName, Uri serverUrl, string arguments) =>
        $"\n\n<details><summary>🔧 {Html(toolName)} ({Html(serverUrl.Authority)})</summary>\n\n{Fence("json", PrettyJson(arguments) ?? arguments)}\n\n</details>";

    /// <summary>A tool's result: text fenced, images inline up to a size, other content named; errors marked as such.</summary>
    /// <param name="result">The result the MCP server sent.</param>
    /// <param name="maxCharacters">The most characters of text shown; the rest is cut with a note.</param>
    /// <param name="maxInlineImageBytes">The largest image shown inline; larger ones are named only.</param>
    /// <returns>The markdown.</returns>
    public static string ToolResult(CallToolResult result, int maxCharacters, int maxInlineImageBytes)
    {
        var blocks = new List<string>();
        var size = 0;
        foreach (var block in result.Content)
        {
            switch (block)
            {
                case TextContentBlock text:
                    size += text.Text.Length;
                    var json = PrettyJson(text.Text);
                    blocks.Add(json is not null ? Truncated("json", json, maxCharacters) : Truncated("markdown", text.Text, maxCharacters));
                    break;
                case ImageContentBlock image:
                    size += image.Data.Length;
                    blocks.Add(Image(image.MimeType, image.Data.Span, maxInlineImageBytes));
                    break;
                default:
                    var raw = JsonSerializer.Serialize(block, McpJsonUtilities.DefaultOptions);
                    size += raw.Length;
                    blocks.Add(Truncated("json", PrettyJson(raw) ?? raw, maxCharacters));
                    break;
            }
        }

        if (blocks.Count == 0 && result.StructuredContent is { } structured)
        {
            var raw = JsonSerializer.Serialize(structured, ReadableJson.Indented);
            size += raw.Length;
            blocks.Add(Truncated("json", raw, maxCharacters));
        }

        var tokens = Math.Round(size / 5.0).ToString(CultureInfo.InvariantCulture);
        return $"\n\n<details><summary>Result (±{tokens} tokens)</summary>\n\n{string.Join("\n\n", blocks)}\n\n</details>\n\n";
    }

    /// <summary>An error, with its message escaped.</summary>
    /// <param name="message">What went wrong.</param>
    /// <returns>The markdown.</returns>
    public static string Error(string message) => $"\n\n**Error**: {Html(message)}\n\n";

    /// <summary>The login links a person must follow before the servers' tools can be used.</summary>
    /// <param name="links">One link per server that needs a login.</param>
    /// <returns>The markdown.</returns>
    public static string LoginRequired(IReadOnlyList<McpLoginLink> links) =>
        LoginLinks(links) + "\n\nAfter authentication, retry your request.";

    /// <summary>The login links of sites whose pages the person's message names (URL context); the model was not called.</summary>
    internal static string PagesLoginRequired(IReadOnlyList<McpLoginLink> links) =>
        LoginLinks(links, forPages: true) + "\n\nAfter authentication, retry your request.";

    internal static string WaitingForLogin(IReadOnlyList<McpLoginLink> links, TimeSpan timeout, bool forPages = false)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(timeout.TotalMinutes));
        return LoginLinks(links, forPages) +
               $"\n\n_Waiting up to {minutes} minute{(minutes == 1 ? "" : "s")} for the login; the answer follows once it is done._\n\n";
    }

    private static string LoginLinks(IReadOnlyList<McpLoginLink> links, bool forPages = false) =>
        (forPages
            ? "# Login Required to Read Pages\n\nTo read the pages of your message, you need to log in to these sites:\n\n"
            : "# MCP Server Authentication Required\n\nTo use the requested MCP tools, you need to authenticate with the following servers:\n\n") +
        string.Join("\n", links.Select(l => $"- [Authorize {Html(l.ServerUrl.Authority)}](<{l.Url.AbsoluteUri}>)"));

    /// <summary>A call that was under way when its run stopped and was not made again.</summary>
    internal static string Interrupted(string toolName, Uri? serverUrl) =>
        $"\n\n**Interrupted**: {Html(toolName)}{(serverUrl is null ? "" : $" ({Html(serverUrl.Authority)})")} was running when the run stopped, " +
        "and was not called again because the tool does not say that is safe. It may or may not have taken effect.\n\n";

    /// <summary>A call held for approval: the call itself, then what the person or app does about it.</summary>
    internal static string ApprovalRequired(string toolName, Uri serverUrl, string arguments, Uri? page) =>
        $"\n\n**Approval needed**: {Html(toolName)} ({Html(serverUrl.Authority)}) waits for the user's approval" +
        (page is null ? "." : $": [Approve]({page.AbsoluteUri}?decision=approve) · [Deny]({page.AbsoluteUri}?decision=deny)") +
        ToolCall(toolName, serverUrl, arguments) + "\n\n";

    internal static string WaitingForApproval(TimeSpan timeout) =>
        $"\n\n> Waiting up to {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s for the decision; the answer goes on by itself once it is made.\n\n";

    /// <summary>A held call the user denied, or that was not approved.</summary>
    internal static string Denied(string toolName, Uri serverUrl, string? reason) =>
        $"\n\n**Denied**: {Html(toolName)} ({Html(serverUrl.Authority)}) was not run: the user denied it" +
        (string.IsNullOrWhiteSpace(reason) ? "." : $" ({Html(reason)}).") + "\n\n";

    /// <summary>The note that replaces a tool result larger than the engine reads.</summary>
    internal static string ResultTooLarge(long readBytes, long? totalBytes, long limit) =>
        $"The tool's result was larger than the limit of {limit} bytes (Completions:MaxToolResultBytes), so it was not read: " +
        $"{(totalBytes is { } total ? $"{total} bytes in all" : $"more than {readBytes} bytes")} were left out. " +
        "Ask the tool for less at once (a narrower query, fewer items, a page of results).";

    internal static string RoundLimitReached(int rounds) =>
        $"\n\n> Stopped after {rounds} tool round{(rounds == 1 ? "" : "s")}: the round limit was reached. Ask again to continue.\n";

    /// <summary>A code block whose fence is longer than any backtick run inside, so the content cannot close it.</summary>
    internal static string Fence(string language, string content)
    {
        var longest = BacktickRuns().Matches(content).Select(m => m.Length).DefaultIfEmpty(0).Max();
        var fence = new string('`', Math.Max(3, longest + 1));
        return $"{fence}{language}\n{content}\n{fence}";
    }

    private static string Truncated(string language, string content, int maxCharacters)
    {
        if (content.Length <= maxCharacters)
        {
            return Fence(language, content);
        }

        return Fence(language, content[..maxCharacters]) +
               $"\n\n*… truncated: {maxCharacters.ToString("N0", CultureInfo.InvariantCulture)} of " +
               $"{content.Length.ToString("N0", CultureInfo.InvariantCulture)} characters shown.*";
    }

    private static string Image(string mimeType, ReadOnlySpan<byte> base64, int maxInlineBytes)
    {
        var data = Encoding.ASCII.GetString(base64);
        var decodedLength = data.Length / 4 * 3;
        var validMime = ImageMimeType().IsMatch(mimeType);
        if (!validMime)
        {
            return $"*An image of type {Html(mimeType)} was not shown.*";
        }

        var buffer = new byte[decodedLength];
        if (decodedLength > maxInlineBytes || !Convert.TryFromBase64String(data, buffer, out _))
        {
            return $"*An image ({mimeType}, {decodedLength / 1024.0:0.#} KB) was not shown.*";
        }

        return $"![image](data:{mimeType};base64,{data})";
    }

    private static string? PrettyJson(string text)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text)?.ToJsonString(ReadableJson.Indented);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Enough to keep server-given text from becoming tags; quotes are harmless outside attributes and read better raw.
    private static string Html(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    [GeneratedRegex("`+")]
    private static partial Regex BacktickRuns();

    [GeneratedRegex("^image/[a-z0-9.+-]+$")]
    private static partial Regex ImageMimeType();
}
