using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>
/// Turns an HTML page into markdown for the model: AngleSharp parses it (the HTML5 algorithm, as browsers do), and a
/// walk over its DOM writes headings, paragraphs, links, lists, code, quotes and tables. Scripts, styles, forms and
/// navigation are left out; the page's <c>main</c> or <c>article</c> is taken when it has one.
/// </summary>
internal static partial class HtmlToMarkdown
{
    /// <summary>Deeper than this, elements are skipped: a page of a million nested divs must not exhaust the stack.</summary>
    private const int MaxDepth = 200;

    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "form", "button",
        "select", "textarea", "input", "nav", "head",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "figure", "figcaption", "details",
        "summary", "dl", "dt", "dd", "address", "body", "center",
    };

    /// <summary>The page's title and its text as markdown; links are made absolute against <paramref name="pageUrl"/>.</summary>
    public static (string? Title, string Markdown) Convert(string html, Uri pageUrl)
    {
        var parser = new HtmlParser(new HtmlParserOptions { IsScripting = false });
        using var document = parser.ParseDocument(html);
        var root = document.QuerySelector("main") ?? document.QuerySelector("article") ?? document.Body ?? document.DocumentElement;
        var writer = new Writer(pageUrl);
        writer.Node(root, 0);
        var title = document.Title?.Trim();
        return (string.IsNullOrEmpty(title) ? null : Collapse(title), Tidy(writer.ToString()));
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ");

    private static string Tidy(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd());
        return BlankLines().Replace(string.Join('\n', lines), "\n\n").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLines();

    private sealed class Writer(Uri pageUrl)
    {
        private readonly StringBuilder _out = new();
        private readonly Stack<string> _prefixes = new();

        public override string ToString() => _out.ToString();

        public void Node(INode node, int depth)
        {
            if (depth > MaxDepth)
            {
                return;
            }

            switch (node)
            {
                case IText text:
                    Text(text.Data);
                    break;
                case IElement element when !Skipped.Contains(element.LocalName) && !element.HasAttribute("hidden"):
                    Element(element, depth);
                    break;
            }
        }

        private void Children(INode node, int depth)
        {
            foreach (var child in node.ChildNodes)
            {
                Node(child, depth + 1);
            }
        }

        private void Element(IElement element, int depth)
        {
            var name = element.LocalName.ToLowerInvariant();
            switch (name)
            {
                case "h1" or "h2" or "h3" or "h4" or "h5" or "h6":
                    Break(2);
                    _out.Append('#', name[1] - '0').Append(' ');
                    _out.Append(Collapse(element.TextContent).Trim());
                    Break(2);
                    break;
                case "br":
                    Break(1);
                    break;
                case "hr":
                    Break(2);
                    _out.Append("---");
                    Break(2);
                    break;
                case "a":
                    var href = element.GetAttribute("href");
                    var label = Collapse(element.TextContent).Trim();
                    if (href is not null && Uri.TryCreate(pageUrl, href, out var target) && target.Scheme is "http" or "https" && label.Length > 0)
                    {
                        _out.Append('[').Append(label.Replace("]", "\\]", StringComparison.Ordinal)).Append("](").Append(target.AbsoluteUri.Replace(")", "%29", StringComparison.Ordinal)).Append(')');
                    }
                    else
                    {
                        Children(element, depth);
                    }

                    break;
                case "strong" or "b":
                    Wrap(element, depth, "**");
                    break;
                case "em" or "i":
                    Wrap(element, depth, "*");
                    break;
                case "code" or "kbd" or "samp":
                    var code = element.TextContent;
                    var ticks = code.Contains('`', StringComparison.Ordinal) ? "``" : "`";
                    _out.Append(ticks).Append(Collapse(code)).Append(ticks);
                    break;
                case "pre":
                    Break(2);
                    var content = element.TextContent.TrimEnd('\n');
                    var fence = content.Contains("```", StringComparison.Ordinal) ? "~~~~" : "```";
                    _out.Append(fence).Append('\n');
                    foreach (var line in content.Split('\n'))
                    {
                        Prefix();
                        _out.Append(line).Append('\n');
                    }

                    Prefix();
                    _out.Append(fence);
                    Break(2);
                    break;
                case "img":
                    var alt = element.GetAttribute("alt");
                    if (!string.IsNullOrWhiteSpace(alt))
                    {
                        _out.Append("[image: ").Append(Collapse(alt).Trim()).Append(']');
                    }

                    break;
                case "ul" or "ol":
                    List(element, depth, ordered: name == "ol");
                    break;
                case "blockquote":
                    Break(2);
                    _prefixes.Push("> ");
                    Prefix();
                    Children(element, depth);
                    _prefixes.Pop();
                    Break(2);
                    break;
                case "table":
                    Table(element);
                    break;
                case "li":
                    Break(1);
                    Prefix();
                    _out.Append("- ");
                    Children(element, depth);
                    Break(1);
                    break;
                default:
                    if (Blocks.Contains(name))
                    {
                        Break(2);
                        Children(element, depth);
                        Break(2);
                    }
                    else
                    {
                        Children(element, depth);
                    }

                    break;
            }
        }

        private void Wrap(IElement element, int depth, string mark)
        {
            var inner = Collapse(element.TextContent).Trim();
            if (inner.Length == 0)
            {
                return;
            }

            _out.Append(mark);
            Children(element, depth);
            _out.Append(mark);
        }

        private void List(IElement list, int depth, bool ordered)
        {
            Break(_prefixes.Count == 0 ? 2 : 1);
            var number = 1;
            foreach (var item in list.Children.Where(c => c.LocalName.Equals("li", StringComparison.OrdinalIgnoreCase)))
            {
                Break(1);
                Prefix();
                var marker = ordered ? number++.ToString(CultureInfo.InvariantCulture) + ". " : "- ";
                _out.Append(marker);
                _prefixes.Push(new string(' ', marker.Length));
                Children(item, depth + 1);
                _prefixes.Pop();
                Break(1);
            }

            Break(_prefixes.Count == 0 ? 2 : 1);
        }

        /// <summary>Rows as markdown table rows; the first row is the header. Cells are flattened to one line of text.</summary>
        private void Table(IElement table)
        {
            var rows = table.QuerySelectorAll("tr").Where(r => r.Closest("table") == table).ToList();
            if (rows.Count == 0)
            {
                return;
            }

            Break(2);
            var first = true;
            foreach (var row in rows)
            {
                var cells = row.Children.Where(c => c.LocalName is "td" or "th")
                    .Select(c => Collapse(c.TextContent).Trim().Replace("|", "\\|", StringComparison.Ordinal)).ToList();
                Prefix();
                _out.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
                if (first)
                {
                    Prefix();
                    _out.Append('|').Append(string.Concat(cells.Select(_ => " --- |"))).Append('\n');
                    first = false;
                }
            }

            Break(2);
        }

        private void Text(string data)
        {
            var text = Collapse(data);
            if (text.Length == 0)
            {
                return;
            }

            // A space that opens a line (after a break) is not text.
            if (text[0] == ' ' && (_out.Length == 0 || _out[^1] is '\n' or ' '))
            {
                text = text.TrimStart();
            }

            _out.Append(text);
        }

        /// <summary>Ends the current line and leaves <paramref name="lines"/> - 1 blank lines, without piling them up.</summary>
        private void Break(int lines)
        {
            if (_out.Length == 0)
            {
                return;
            }

            var trailing = 0;
            for (var i = _out.Length - 1; i >= 0 && _out[i] == '\n'; i--)
            {
                trailing++;
            }

            for (var i = trailing; i < lines; i++)
            {
                _out.Append('\n');
            }
        }

        private void Prefix()
        {
            foreach (var prefix in _prefixes.Reverse())
            {
                _out.Append(prefix);
            }
        }
    }
}
