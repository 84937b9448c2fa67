using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.Completions.Approvals;

namespace McpSubAgent.Completions.Requests;

/// <summary>One remote MCP server that a request names, as a <c>{type:"mcp"}</c> tool entry or in front matter.</summary>
/// <param name="ServerUrl">The streamable-HTTP endpoint of the server.</param>
/// <param name="Label">The caller's <c>server_label</c>, used in tool names instead of the host.</param>
/// <param name="AllowedTools">When set, only these tools of the server are offered to the model.</param>
/// <param name="Headers">Extra HTTP headers sent to this server only.</param>
public sealed partial record McpServerSpec(
    Uri ServerUrl,
    string? Label,
    IReadOnlySet<string>? AllowedTools,
    IReadOnlyDictionary<string, string> Headers)
{
    private static readonly HashSet<string> ForbiddenServerHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "content-type", "transfer-encoding", "connection", "mcp-session-id",
        "mcp-protocol-version", "accept",
    };

    /// <summary>Which of the server's tools need a person's approval before they run (<c>require_approval</c>).</summary>
    public McpApprovalPolicy RequireApproval { get; init; } = McpApprovalPolicy.NeverRequired;

    /// <summary>
    /// A server named by its URL alone. The URL must be an absolute http(s) URL without credentials; its fragment is
    /// dropped. Whether it may be dialled (the SSRF guard) is checked when a run connects.
    /// </summary>
    /// <param name="serverUrl">The URL as the caller wrote it.</param>
    /// <param name="param">The request field it came from, named in the error.</param>
    /// <exception cref="InvalidRequestException">The URL is not an absolute http(s) URL, or carries credentials.</exception>
    public static McpServerSpec Create(string serverUrl, string param)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        return new McpServerSpec(ParseServerUrl(serverUrl, param), null, null, new Dictionary<string, string>());
    }

    /// <summary>
    /// Reads one OpenAI remote MCP tool entry: <c>{"type":"mcp", "server_url", "server_label", "allowed_tools",
    /// "headers", "require_approval"}</c> (<c>url</c> is taken for <c>server_url</c>), with the same checks on every surface.
    /// </summary>
    /// <param name="tool">The tool entry.</param>
    /// <param name="param">Where the entry is in the request (e.g. <c>tools[2]</c>), named in errors.</param>
    /// <param name="defaultApproval">The policy when the entry has no <c>require_approval</c>; null is "never".</param>
    /// <exception cref="InvalidRequestException">A field has the wrong shape or value.</exception>
    public static McpServerSpec FromToolEntry(JsonObject tool, string param, McpApprovalPolicy? defaultApproval = null)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var url = ReadOptionalString(tool, "server_url", param) ?? ReadOptionalString(tool, "url", param)
            ?? throw new InvalidRequestException(
                "An MCP tool needs 'server_url' (or 'url'): the address of the remote MCP server.", $"{param}.server_url");
        var serverUrl = ParseServerUrl(url, $"{param}.server_url");

        var label = ReadOptionalString(tool, "server_label", param);
        if (label is not null && !LabelPattern().IsMatch(label))
        {
            throw new InvalidRequestException(
                "'server_label' must be 1 to 64 letters, digits, '_' or '-'.", $"{param}.server_label");
        }

        return new McpServerSpec(serverUrl, label, ReadAllowedTools(tool["allowed_tools"], $"{param}.allowed_tools"),
            ReadHeaders(tool["headers"], $"{param}.headers"))
        {
            RequireApproval = tool["require_approval"] is null && defaultApproval is not null
                ? defaultApproval
                : McpApprovalPolicy.Parse(tool["require_approval"], $"{param}.require_approval"),
        };
    }

    /// <summary>Whether a tool entry is an MCP server entry (<c>"type": "mcp"</c>).</summary>
    public static bool IsToolEntry(JsonObject tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return tool["type"] is JsonValue v && v.TryGetValue(out string? t) && t == "mcp";
    }

    private static Uri ParseServerUrl(string url, string param)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            throw new InvalidRequestException($"The MCP server URL '{url}' is not an absolute URL.", param);
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidRequestException($"The MCP server URL '{url}' must use http or https.", param);
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new InvalidRequestException(
                $"The MCP server URL '{uri.GetLeftPart(UriPartial.Scheme)}{uri.Host}' must not carry credentials; use 'headers'.", param);
        }

        // The fragment never reaches the server; dropping it makes equal URLs compare equal.
        return new UriBuilder(uri) { Fragment = "" }.Uri;
    }

    private static HashSet<string>? ReadAllowedTools(JsonNode? node, string param)
    {
        var names = node switch
        {
            null => null,
            JsonArray array => array,
            JsonObject { } filter when filter["tool_names"] is JsonArray list && filter.Count == 1 => list,
            _ => throw new InvalidRequestException(
                "'allowed_tools' must be an array of tool names or {\"tool_names\": [...]}.", param),
        };
        if (names is null)
        {
            return null;
        }

        return names.Select(n => n is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0
            ? s
            : throw new InvalidRequestException("'allowed_tools' must hold tool names as strings.", param)).ToHashSet(StringComparer.Ordinal);
    }

    private static Dictionary<string, string> ReadHeaders(JsonNode? node, string param)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (node is null)
        {
            return headers;
        }

        if (node is not JsonObject map)
        {
            throw new InvalidRequestException("'headers' must be an object of header names and string values.", param);
        }

        foreach (var (name, value) in map)
        {
            if (!HeaderNamePattern().IsMatch(name) || ForbiddenServerHeaders.Contains(name))
            {
                throw new InvalidRequestException($"The header '{name}' cannot be set for an MCP server.", param);
            }

            if (value is not JsonValue v || !v.TryGetValue(out string? text) || text.AsSpan().ContainsAny('\r', '\n'))
            {
                throw new InvalidRequestException($"The header '{name}' must have a single-line string value.", param);
            }

            headers[name] = text;
        }

        return headers;
    }

    private static string? ReadOptionalString(JsonObject obj, string name, string parent) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw new InvalidRequestException($"'{name}' must be a string.", $"{parent}.{name}"),
    };

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex LabelPattern();

    // RFC 9110 token characters.
    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex HeaderNamePattern();
}
