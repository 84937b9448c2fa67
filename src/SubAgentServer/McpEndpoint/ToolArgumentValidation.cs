using System.Runtime.CompilerServices;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// Checks a tool call's arguments against the tool's input schema (required, and the JSON type of each) before the
/// SDK binds them: its own binding error says only "An error occurred invoking 'run_agent'", and this says which
/// argument is wrong and why.
/// </summary>
internal static class ToolArgumentValidation
{
    // Each tool's schema is read once: the filter runs on every call, and a tool's schema does not change.
    private static readonly ConditionalWeakTable<McpServerTool, ArgumentRules> RulesByTool = new();

    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        (request, cancellationToken) =>
        {
            var tools = request.Server.ServerOptions.ToolCollection;
            if (request.Params is { } call && tools is not null && tools.TryGetPrimitive(call.Name, out var tool)
                && RulesByTool.GetValue(tool, static t => ArgumentRules.From(t.ProtocolTool.InputSchema)).Problem(call.Arguments) is { } problem)
            {
                return ValueTask.FromResult(new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = problem }] });
            }

            return next(request, cancellationToken);
        };

    /// <summary>What an input schema requires: the required arguments, and the JSON types of those it names.</summary>
    private sealed class ArgumentRules(string[] required, Dictionary<string, TypeRule> properties)
    {
        public static ArgumentRules From(JsonElement schema)
        {
            string[] required = schema.TryGetProperty("required", out var names) && names.ValueKind == JsonValueKind.Array
                ? [.. names.EnumerateArray().Select(r => r.GetString()).OfType<string>()]
                : [];
            var properties = new Dictionary<string, TypeRule>(StringComparer.Ordinal);
            if (schema.TryGetProperty("properties", out var members) && members.ValueKind == JsonValueKind.Object)
            {
                foreach (var member in members.EnumerateObject())
                {
                    if (TypeRule.From(member.Value) is { } rule)
                    {
                        properties[member.Name] = rule;
                    }
                }
            }

            return new ArgumentRules(required, properties);
        }

        /// <summary>What is wrong with the arguments, or null.</summary>
        public string? Problem(IDictionary<string, JsonElement>? arguments)
        {
            foreach (var name in required)
            {
                if (arguments is null || !arguments.ContainsKey(name))
                {
                    return $"The argument '{name}' is required.";
                }
            }

            if (arguments is null || properties.Count == 0)
            {
                return null;
            }

            foreach (var (name, value) in arguments)
            {
                if (properties.TryGetValue(name, out var rule) && rule.Problem(value) is { } problem)
                {
                    return $"The argument '{name}' {problem}.";
                }
            }

            return null;
        }
    }

    /// <summary>A schema's <c>type</c> (a name or a list of names; none of them means any) and its <c>items</c>' rule.</summary>
    private sealed class TypeRule(string[] allowed, TypeRule? items)
    {
        /// <summary>The rule of a schema, or null when it has no <c>type</c> (then nothing is checked, its items neither).</summary>
        public static TypeRule? From(JsonElement schema)
        {
            if (!schema.TryGetProperty("type", out var type))
            {
                return null;
            }

            string[] allowed = type.ValueKind == JsonValueKind.Array
                ? [.. type.EnumerateArray().Select(t => t.GetString()).OfType<string>()]
                : type.GetString() is { } single ? [single] : [];
            return new TypeRule(allowed, schema.TryGetProperty("items", out var items) ? From(items) : null);
        }

        public string? Problem(JsonElement value)
        {
            if (allowed.Length != 0 && !MatchesAny(value))
            {
                return $"must be {string.Join(" or ", allowed.Where(t => t != "null").Select(Article))}, not {Article(Kind(value))}";
            }

            if (items is not null && value.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (items.Problem(item) is { } problem)
                    {
                        return $"item {index}: {problem}";
                    }

                    index++;
                }
            }

            return null;
        }

        private bool MatchesAny(JsonElement value)
        {
            foreach (var type in allowed)
            {
                if (Matches(type, value))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static bool Matches(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "null",
    };

    private static string Article(string type) => type switch
    {
        "null" => "null",
        "array" or "object" or "integer" => "an " + type,
        _ => "a " + type,
    };
}
