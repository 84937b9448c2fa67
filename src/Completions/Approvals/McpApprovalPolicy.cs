using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Requests;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Approvals;

/// <summary>
/// Which tools of one MCP server need a person's approval before they run, in OpenAI's <c>require_approval</c> shapes:
/// <c>"always"</c>, <c>"never"</c>, or <c>{"always": filter, "never": filter}</c> where a filter is
/// <c>{"tool_names": [...], "read_only": bool}</c> (all its given parts must match; <c>read_only</c> is matched against
/// the tool's MCP <c>readOnlyHint</c>). A tool both filters match asks (the safer reading); a tool neither matches asks,
/// unless the object gives only an <c>always</c> filter, which then names all that asks.
/// </summary>
public sealed record McpApprovalPolicy
{
    private McpApprovalPolicy(bool defaultRequires, ToolFilter? always, ToolFilter? never)
    {
        DefaultRequires = defaultRequires;
        Always = always;
        Never = never;
    }

    /// <summary>No tool asks (the default).</summary>
    public static McpApprovalPolicy NeverRequired { get; } = new(false, null, null);

    /// <summary>Every tool asks.</summary>
    public static McpApprovalPolicy AlwaysRequired { get; } = new(true, null, null);

    private bool DefaultRequires { get; }

    private ToolFilter? Always { get; }

    private ToolFilter? Never { get; }

    /// <summary>Whether this policy never asks.</summary>
    public bool IsNever => this == NeverRequired;

    /// <summary>Whether a call of <paramref name="tool"/> needs approval.</summary>
    public bool Requires(Tool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (Always?.Matches(tool) == true)
        {
            return true;
        }

        return Never?.Matches(tool) != true && DefaultRequires;
    }

    /// <summary>
    /// Reads a <c>require_approval</c> value; null is <see cref="NeverRequired"/>. Anything else than the shapes above
    /// is an <see cref="InvalidRequestException"/> naming <paramref name="param"/>.
    /// </summary>
    public static McpApprovalPolicy Parse(JsonNode? node, string param)
    {
        switch (node)
        {
            case null:
                return NeverRequired;
            case JsonValue v when v.TryGetValue(out string? mode) && mode == "never":
                return NeverRequired;
            case JsonValue v when v.TryGetValue(out string? mode) && mode == "always":
                return AlwaysRequired;
            case JsonObject filters when filters.Count > 0 && filters.All(p => p.Key is "always" or "never"):
                var always = ReadFilter(filters["always"], $"{param}.always");
                var never = ReadFilter(filters["never"], $"{param}.never");
                return new McpApprovalPolicy(defaultRequires: always is null || never is not null, always, never);
            default:
                throw new InvalidRequestException(
                    "'require_approval' must be \"always\", \"never\" or {\"always\": {...}, \"never\": {...}} with filters of "
                    + "'tool_names' and 'read_only'.", param) { Code = "invalid_value" };
        }
    }

    /// <summary>
    /// This policy as a <c>require_approval</c> value that <see cref="Parse"/> reads back to an equal policy: for hosts that
    /// store a run request and run it later.
    /// </summary>
    public JsonNode ToJson()
    {
        if (Always is null && Never is null)
        {
            return DefaultRequires ? "always" : "never";
        }

        var filters = new JsonObject();
        if (Always is not null)
        {
            filters["always"] = Always.ToJson();
        }

        if (Never is not null)
        {
            filters["never"] = Never.ToJson();
        }

        return filters;
    }

    private static ToolFilter? ReadFilter(JsonNode? node, string param)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject filter || filter.Count == 0 || filter.Any(p => p.Key is not ("tool_names" or "read_only")))
        {
            throw new InvalidRequestException("A 'require_approval' filter must be an object with 'tool_names' and/or 'read_only'.", param);
        }

        HashSet<string>? names = null;
        if (filter["tool_names"] is { } namesNode)
        {
            names = namesNode is JsonArray list
                ? list.Select(n => n is JsonValue s && s.TryGetValue(out string? name) && name.Length > 0
                    ? name
                    : throw new InvalidRequestException("'tool_names' must hold tool names as strings.", $"{param}.tool_names")).ToHashSet(StringComparer.Ordinal)
                : throw new InvalidRequestException("'tool_names' must be an array of tool names.", $"{param}.tool_names");
        }

        bool? readOnly = null;
        if (filter["read_only"] is { } readOnlyNode)
        {
            readOnly = readOnlyNode.GetValueKind() switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new InvalidRequestException("'read_only' must be true or false.", $"{param}.read_only"),
            };
        }

        return new ToolFilter(names, readOnly);
    }

    private sealed record ToolFilter(IReadOnlySet<string>? ToolNames, bool? ReadOnly)
    {
        public bool Matches(Tool tool) =>
            (ToolNames is null || ToolNames.Contains(tool.Name))
            && (ReadOnly is null || (tool.Annotations?.ReadOnlyHint == true) == ReadOnly);

        public JsonObject ToJson()
        {
            var filter = new JsonObject();
            if (ToolNames is not null)
            {
                filter["tool_names"] = new JsonArray([.. ToolNames.Order(StringComparer.Ordinal).Select(n => (JsonNode)n)]);
            }

            if (ReadOnly is { } readOnly)
            {
                filter["read_only"] = readOnly;
            }

            return filter;
        }
    }
}
