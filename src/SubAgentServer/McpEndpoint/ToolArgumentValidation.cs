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
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (request, cancellationToken) =>
        {
            var tools = request.Server.ServerOptions.ToolCollection;
            if (request.Params is { } call && tools is not null && tools.TryGetPrimitive(call.Name, out var tool)
                && Problem(tool.ProtocolTool.InputSchema, call.Arguments) is { } problem)
            {
                return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = problem }] };
            }

            return await next(request, cancellationToken);
        };

    /// <summary>What is wrong with the arguments, or null.</summary>
    public static string? Problem(JsonElement schema, IDictionary<string, JsonElement>? arguments)
    {
        arguments ??= new Dictionary<string, JsonElement>();
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>())
            {
                if (!arguments.ContainsKey(name))
                {
                    return $"The argument '{name}' is required.";
                }
            }
        }

        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var (name, value) in arguments)
        {
            if (properties.TryGetProperty(name, out var property) && TypeProblem(property, value) is { } problem)
            {
                return $"The argument '{name}' {problem}.";
            }
        }

        return null;
    }

    private static string? TypeProblem(JsonElement schema, JsonElement value)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return null;
        }

        var allowed = type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).OfType<string>().ToArray()
            : type.GetString() is { } single ? [single] : [];
        if (allowed.Length == 0 || allowed.Any(t => Matches(t, value)))
        {
            if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
            {
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (TypeProblem(items, item) is { } problem)
                    {
                        return $"item {index}: {problem}";
                    }

                    index++;
                }
            }

            return null;
        }

        return $"must be {string.Join(" or ", allowed.Where(t => t != "null").Select(Article))}, not {Article(Kind(value))}";
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
