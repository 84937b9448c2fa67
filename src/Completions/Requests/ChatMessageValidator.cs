using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Requests;

/// <summary>
/// Checks the shape of a chat-completions <c>messages</c> array as OpenAI does, so that a wrong one is answered 400
/// with the path of what is wrong (e.g. <c>messages[1].tool_calls</c>) instead of going upstream unchanged.
/// </summary>
internal static class ChatMessageValidator
{
    private static readonly HashSet<string> Roles = new(["system", "developer", "user", "assistant", "tool", "function"], StringComparer.Ordinal);

    /// <summary>Throws an <see cref="InvalidRequestException"/> naming the first value of the wrong shape.</summary>
    public static void Validate(JsonArray messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var at = $"messages[{i}]";
            if (messages[i] is not JsonObject message)
            {
                throw Invalid(at, "must be an object with a 'role'");
            }

            var role = String(message, "role", at, required: true)!;
            if (!Roles.Contains(role))
            {
                throw Invalid($"{at}.role", $"must be one of {string.Join(", ", Roles)}, not '{(role.Length > 32 ? role[..32] + "…" : role)}'");
            }

            String(message, "name", at, required: false);
            var hasToolCalls = ValidateToolCalls(message, at);
            ValidateContent(message, at, required: role != "assistant" || (!hasToolCalls && message["function_call"] is null));
            if (role == "tool")
            {
                String(message, "tool_call_id", at, required: true);
            }
        }
    }

    private static bool ValidateToolCalls(JsonObject message, string at)
    {
        if (message["tool_calls"] is null)
        {
            return false;
        }

        if (message["tool_calls"] is not JsonArray calls)
        {
            throw Invalid($"{at}.tool_calls", $"must be an array, not {Kind(message["tool_calls"])}");
        }

        for (var j = 0; j < calls.Count; j++)
        {
            var callAt = $"{at}.tool_calls[{j}]";
            if (calls[j] is not JsonObject call)
            {
                throw Invalid(callAt, $"must be an object, not {Kind(calls[j])}");
            }

            String(call, "id", callAt, required: true);
            String(call, "type", callAt, required: false);
            if (call["function"] is not JsonObject function)
            {
                throw Invalid($"{callAt}.function", $"must be an object with 'name' and 'arguments', not {Kind(call["function"])}");
            }

            String(function, "name", $"{callAt}.function", required: true);
            String(function, "arguments", $"{callAt}.function", required: true);
        }

        return calls.Count > 0;
    }

    private static void ValidateContent(JsonObject message, string at, bool required)
    {
        var content = message["content"];
        switch (content)
        {
            case null when !required:
            case JsonValue when content.GetValueKind() == JsonValueKind.String:
                return;
            case JsonArray parts:
                for (var k = 0; k < parts.Count; k++)
                {
                    if (parts[k] is not JsonObject part)
                    {
                        throw Invalid($"{at}.content[{k}]", $"must be a content part object with a 'type', not {Kind(parts[k])}");
                    }

                    String(part, "type", $"{at}.content[{k}]", required: true);
                }

                return;
            default:
                throw Invalid($"{at}.content", $"must be a string or an array of content parts, not {Kind(content)}");
        }
    }

    private static string? String(JsonObject owner, string name, string at, bool required)
    {
        var value = owner[name];
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        if (value is null && !required)
        {
            return null;
        }

        throw Invalid($"{at}.{name}", value is null ? "is required (a string)" : $"must be a string, not {Kind(value)}");
    }

    private static string Kind(JsonNode? node) => node is null ? "null" : node.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static InvalidRequestException Invalid(string param, string problem) => new($"'{param}' {problem}.", param);
}
