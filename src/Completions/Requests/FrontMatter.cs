using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.UrlContext;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace McpSubAgent.Completions.Requests;

/// <summary>
/// A leading <c>---</c> YAML block in the first system or user message that names MCP servers (<c>mcp:</c>) and a
/// <c>profile:</c>, and the <c>require_approval:</c> policy of those servers (the same shapes as on an MCP tool entry,
/// in YAML). It is removed before the model sees the message. A block without either key is an ordinary
/// document the person pasted, and stays.
/// </summary>
internal sealed record FrontMatter(IReadOnlyList<string> ServerUrls, string? Profile, McpApprovalPolicy RequireApproval)
{
    /// <summary><c>mcp_search: true</c>: the model may search the MCP registry and add servers.</summary>
    public bool McpSearch { get; init; }

    /// <summary><c>urls: all | at | off</c>: which URLs of the last user message are read for the model; null when not given.</summary>
    public UrlContextMode? Urls { get; init; }

    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    /// <summary>Finds, parses and strips the front matter of <paramref name="messages"/>; null when there is none.</summary>
    public static FrontMatter? Extract(JsonArray messages)
    {
        var message = messages.OfType<JsonObject>().FirstOrDefault(m =>
            m["role"]?.GetValueKind() == System.Text.Json.JsonValueKind.String &&
            (string?)m["role"] is "system" or "user" or "developer");
        if (message is null)
        {
            return null;
        }

        // Content is either a string or an array of parts whose first text part may carry the block.
        var (text, write) = message["content"] switch
        {
            JsonValue value when value.TryGetValue(out string? s) => (s, (Action<string>)(rest => message["content"] = rest)),
            JsonArray parts when parts.FirstOrDefault() is JsonObject { } part && (string?)part["type"] == "text"
                && part["text"] is JsonValue t && t.TryGetValue(out string? s) => (s, rest => part["text"] = rest),
            _ => (null, null),
        };
        if (text is null || write is null || !TrySplit(text, out var yaml, out var rest))
        {
            return null;
        }

        object? document;
        try
        {
            document = Yaml.Deserialize<object>(yaml);
        }
        catch (YamlException)
        {
            return null; // Not YAML: a markdown rule followed by text, say.
        }

        if (document is not Dictionary<object, object> map || !(map.ContainsKey("mcp") || map.ContainsKey("profile") || map.ContainsKey("mcp_search") || map.ContainsKey("urls")))
        {
            return null;
        }

        var urls = map.TryGetValue("mcp", out var mcp) ? ReadUrls(mcp) : [];
        string? profile = null;
        if (map.TryGetValue("profile", out var p) && p is not null)
        {
            profile = p as string ?? throw new InvalidRequestException("Front matter 'profile' must be a string.", "messages");
        }

        var policy = map.TryGetValue("require_approval", out var approval)
            ? McpApprovalPolicy.Parse(ToJson(approval), "messages")
            : McpApprovalPolicy.NeverRequired;
        var search = map.TryGetValue("mcp_search", out var searchValue) && searchValue is not null && (searchValue as string ?? "") switch
        {
            "true" => true,
            "false" => false,
            _ => throw new InvalidRequestException("Front matter 'mcp_search' must be true or false.", "messages"),
        };
        UrlContextMode? pageUrls = map.TryGetValue("urls", out var urlsValue) && urlsValue is not null
            ? UrlContextSpec.ParseMode(urlsValue as string)
                ?? throw new InvalidRequestException("Front matter 'urls' must be all, at or off.", "messages")
            : null;
        write(rest);
        return new FrontMatter(urls, string.IsNullOrWhiteSpace(profile) ? null : profile.Trim(), policy) { McpSearch = search, Urls = pageUrls };
    }

    private static List<string> ReadUrls(object? value) => value switch
    {
        null => [],
        string single => [single],
        List<object> list => list.Select(item => item as string
            ?? throw new InvalidRequestException("Front matter 'mcp' must list server URLs as strings.", "messages")).ToList(),
        _ => throw new InvalidRequestException("Front matter 'mcp' must be a server URL or a list of them.", "messages"),
    };

    /// <summary>YAML scalars come as strings; <c>true</c> and <c>false</c> become JSON booleans, as a filter's <c>read_only</c> needs.</summary>
    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        string s => JsonValue.Create(s),
        List<object> list => new JsonArray([.. list.Select(ToJson)]),
        Dictionary<object, object> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key.ToString() ?? "", ToJson(p.Value)))),
        _ => throw new InvalidRequestException("Front matter 'require_approval' has a value of an unknown kind.", "messages"),
    };

    private static bool TrySplit(string text, out string yaml, out string rest)
    {
        yaml = rest = "";
        var normalized = text.ReplaceLineEndings("\n");
        if (!normalized.StartsWith("---\n", StringComparison.Ordinal))
        {
            return false;
        }

        var end = normalized.IndexOf("\n---", 3, StringComparison.Ordinal);
        while (end >= 0)
        {
            var afterFence = end + 4;
            if (afterFence == normalized.Length || normalized[afterFence] == '\n')
            {
                // "---\n---" is an empty block: its closing fence starts inside the opening one's line break.
                yaml = end < 4 ? "" : normalized[4..end];
                rest = afterFence >= normalized.Length ? "" : normalized[(afterFence + 1)..].TrimStart('\n');
                return true;
            }

            end = normalized.IndexOf("\n---", afterFence, StringComparison.Ordinal);
        }

        return false;
    }
}
