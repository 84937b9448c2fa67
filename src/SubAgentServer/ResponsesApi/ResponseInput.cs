using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>
/// Input items of the Responses API and their chat-completions form. Earlier output items become the conversation the
/// model sees: <c>function_call</c> and <c>mcp_call</c> items are assistant tool calls followed by their results;
/// <c>mcp_approval_response</c> items at the end of the input answer held calls in the form the engine reads (an
/// assistant message with the <c>mcpapr_</c> ids, then one <c>tool</c> message per answer).
/// </summary>
internal static class ResponseInput
{
    public const int MaxItems = 2_000;

    /// <summary>The input as items: a string becomes one user message; shorthand messages get their <c>type</c> and content parts.</summary>
    public static JsonArray Normalize(JsonNode? input)
    {
        switch (input)
        {
            case JsonValue v when v.TryGetValue(out string? text):
                return [Message("user", [Part("input_text", text)])];
            case JsonArray items when items.Count is > 0 and <= MaxItems:
                var normalized = new JsonArray();
                for (var i = 0; i < items.Count; i++)
                {
                    normalized.Add(NormalizeItem(items[i], $"input[{i}]"));
                }

                return normalized;
            case JsonArray items when items.Count > MaxItems:
                throw new InvalidRequestException($"'input' may hold at most {MaxItems} items.", "input");
            default:
                throw new InvalidRequestException("'input' must be a string or a non-empty array of input items.", "input");
        }
    }

    public static JsonObject Message(string role, JsonArray content) => new()
    {
        ["type"] = "message", ["role"] = role, ["content"] = content,
    };

    public static JsonObject Part(string type, string text) => new() { ["type"] = type, ["text"] = text };

    private static JsonObject NormalizeItem(JsonNode? node, string at)
    {
        if (node is not JsonObject item)
        {
            throw new InvalidRequestException("Each input item must be an object.", at);
        }

        var copy = (JsonObject)item.DeepClone();
        var type = ResponsesRequestParser.OptionalString(copy, "type", at) ?? (copy.ContainsKey("role") ? "message" : null);
        switch (type)
        {
            case "message":
                var role = ResponsesRequestParser.OptionalString(copy, "role", at);
                if (role is not ("user" or "system" or "developer" or "assistant"))
                {
                    throw new InvalidRequestException("A message's 'role' must be \"user\", \"system\", \"developer\" or \"assistant\".", $"{at}.role");
                }

                copy["type"] = "message";
                copy["content"] = copy["content"] switch
                {
                    JsonValue v when v.TryGetValue(out string? text) => new JsonArray(Part(role == "assistant" ? "output_text" : "input_text", text)),
                    JsonArray parts => CheckParts(parts, $"{at}.content"),
                    _ => throw new InvalidRequestException("A message's 'content' must be a string or an array of content parts.", $"{at}.content"),
                };
                return copy;
            case "function_call":
                Require(copy, at, "call_id", "name", "arguments");
                return copy;
            case "function_call_output":
                Require(copy, at, "call_id");
                if (copy["output"] is not (JsonValue or JsonArray))
                {
                    throw new InvalidRequestException("'output' must be a string or an array of content parts.", $"{at}.output");
                }

                return copy;
            case "mcp_call":
                Require(copy, at, "id", "name", "arguments", "server_label");
                return copy;
            case "mcp_approval_request":
                Require(copy, at, "id", "name", "arguments", "server_label");
                return copy;
            case "mcp_approval_response":
                Require(copy, at, "approval_request_id");
                if (copy["approve"] is not JsonValue approve || !approve.TryGetValue(out bool _))
                {
                    throw new InvalidRequestException("'approve' must be true or false.", $"{at}.approve");
                }

                return copy;
            case "mcp_list_tools":
                Require(copy, at, "server_label");
                return copy;
            case "reasoning":
                return copy;
            case null:
                throw new InvalidRequestException("An input item needs a 'type'.", $"{at}.type");
            default:
                throw new InvalidRequestException(
                    $"The input item type '{type}' is not supported here (item references need stored responses: use 'previous_response_id').",
                    $"{at}.type") { Code = "unsupported_value" };
        }
    }

    private static JsonArray CheckParts(JsonArray parts, string at)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i] as JsonObject ?? throw new InvalidRequestException("Each content part must be an object.", $"{at}[{i}]");
            var type = ResponsesRequestParser.OptionalString(part, "type", $"{at}[{i}]");
            var ok = type switch
            {
                "input_text" or "output_text" or "refusal" => part["text"] is JsonValue || part["refusal"] is JsonValue,
                "input_image" => part["image_url"] is JsonValue,
                _ => false,
            };
            if (!ok)
            {
                throw new InvalidRequestException(
                    "A content part must be input_text or output_text with 'text', or input_image with 'image_url'.", $"{at}[{i}]") { Code = "unsupported_value" };
            }
        }

        return parts;
    }

    private static void Require(JsonObject item, string at, params string[] fields)
    {
        foreach (var field in fields)
        {
            if (ResponsesRequestParser.OptionalString(item, field, at) is null)
            {
                throw new InvalidRequestException($"'{field}' is required for a {(string?)item["type"]} item.", $"{at}.{field}");
            }
        }
    }

    /// <summary>Labels of MCP servers whose tools an <c>mcp_list_tools</c> item (without error) of <paramref name="items"/> already lists.</summary>
    public static HashSet<string> ListedLabels(IEnumerable<JsonObject> items) =>
    [
        .. items.Where(i => (string?)i["type"] == "mcp_list_tools" && i["error"] is null).Select(i => (string)i["server_label"]!),
    ];

    /// <summary>The approval ids answered by the <c>mcp_approval_response</c> items that end <paramref name="items"/>.</summary>
    public static List<JsonObject> TrailingApprovalResponses(IReadOnlyList<JsonObject> items)
    {
        var answers = new List<JsonObject>();
        for (var i = items.Count - 1; i >= 0 && (string?)items[i]["type"] == "mcp_approval_response"; i--)
        {
            answers.Insert(0, items[i]);
        }

        return answers;
    }

    /// <summary>The chat-completions messages for <paramref name="items"/> (the whole conversation), after the instructions.</summary>
    public static JsonArray ToMessages(string? instructions, IReadOnlyList<JsonObject> items)
    {
        var messages = new JsonArray();
        if (!string.IsNullOrEmpty(instructions))
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        }

        var answers = TrailingApprovalResponses(items);
        var requests = items.Where(i => (string?)i["type"] == "mcp_approval_request").ToDictionary(i => (string)i["id"]!, StringComparer.Ordinal);
        var turn = new Turn(messages);
        foreach (var item in items.Take(items.Count - answers.Count))
        {
            switch ((string?)item["type"])
            {
                case "message" when (string?)item["role"] == "assistant":
                    turn.AddText(Text(item["content"]));
                    break;
                case "message":
                    turn.Flush();
                    var role = (string?)item["role"] == "developer" ? "system" : (string)item["role"]!;
                    messages.Add(new JsonObject { ["role"] = role, ["content"] = Content(item["content"]!.AsArray()) });
                    break;
                case "function_call":
                    turn.AddCall((string)item["call_id"]!, (string)item["name"]!, (string)item["arguments"]!);
                    break;
                case "function_call_output":
                    turn.AddResult((string)item["call_id"]!, item["output"] is JsonArray parts ? Text(parts) : (string?)item["output"] ?? "");
                    break;
                case "mcp_call":
                    // Held calls are replaced by the engine with its stored round; finished ones are history.
                    var id = (string)item["id"]!;
                    turn.AddCall(id, (string)item["name"]!, (string)item["arguments"]!);
                    turn.AddResult(id, (string?)item["output"] ?? (item["error"] is { } error ? $"Error: {ErrorText(error)}" : ""));
                    break;

                // Listings, reasoning and answered or unanswered approval requests are not part of what the model reads.
            }
        }

        turn.Flush();
        if (answers.Count > 0)
        {
            var calls = new JsonArray();
            var results = new List<JsonObject>();
            foreach (var answer in answers)
            {
                var id = (string)answer["approval_request_id"]!;
                if (!id.StartsWith(McpCompletionsEngine.ApprovalIdPrefix, StringComparison.Ordinal) || !requests.TryGetValue(id, out var request))
                {
                    throw new InvalidRequestException(
                        $"The approval request {id} is not in the input or the previous response: answer an mcp_approval_request of this conversation.",
                        "input") { Code = "invalid_approval" };
                }

                calls.Add(ToolCall(id, (string)request["name"]!, (string)request["arguments"]!));
                var decision = new JsonObject { ["approve"] = (bool)answer["approve"]! };
                if (answer["reason"] is JsonValue reason && reason.TryGetValue(out string? why))
                {
                    decision["reason"] = why;
                }

                results.Add(McpCompletionsEngine.ToolMessage(id, decision.ToJsonString()));
            }

            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = calls });
            foreach (var result in results)
            {
                messages.Add(result);
            }
        }

        return messages;
    }

    private static string ErrorText(JsonNode error) => error is JsonValue v && v.TryGetValue(out string? s) ? s : error.ToJsonString();

    private static JsonObject ToolCall(string id, string name, string arguments) => new()
    {
        ["id"] = id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
    };

    private static string Text(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonArray parts => string.Concat(parts.OfType<JsonObject>().Select(p => (string?)p["text"] ?? (string?)p["refusal"] ?? "")),
        _ => "",
    };

    /// <summary>Text parts as one string; with images, chat-completions content parts.</summary>
    private static JsonNode Content(JsonArray parts)
    {
        if (parts.OfType<JsonObject>().All(p => (string?)p["type"] != "input_image"))
        {
            return Text(parts);
        }

        return new JsonArray([.. parts.OfType<JsonObject>().Select(p => (string?)p["type"] == "input_image"
            ? new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = p["image_url"]!.DeepClone() } }
            : new JsonObject { ["type"] = "text", ["text"] = (string?)p["text"] ?? "" })]);
    }

    /// <summary>One assistant turn being assembled: its text, its tool calls, then their results.</summary>
    private sealed class Turn(JsonArray messages)
    {
        private readonly StringBuilder _text = new();
        private readonly JsonArray _calls = [];
        private readonly List<JsonObject> _results = [];

        public void AddText(string text)
        {
            if (_results.Count > 0)
            {
                Flush();
            }

            _text.Append(text);
        }

        public void AddCall(string id, string name, string arguments)
        {
            if (_results.Count > 0)
            {
                Flush();
            }

            _calls.Add(ToolCall(id, name, arguments));
        }

        public void AddResult(string callId, string output)
        {
            if (_calls.Count == 0)
            {
                Flush();
            }

            _results.Add(McpCompletionsEngine.ToolMessage(callId, output));
        }

        public void Flush()
        {
            if (_text.Length > 0 || _calls.Count > 0)
            {
                var assistant = new JsonObject { ["role"] = "assistant", ["content"] = _text.Length > 0 ? _text.ToString() : null };
                if (_calls.Count > 0)
                {
                    assistant["tool_calls"] = _calls.DeepClone();
                }

                messages.Add(assistant);
            }

            foreach (var result in _results)
            {
                messages.Add(result);
            }

            _text.Clear();
            _calls.Clear();
            _results.Clear();
        }
    }
}
