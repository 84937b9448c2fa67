using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.UrlContext;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>
/// Reads a Responses API body: checks each field as OpenAI does, and translates it into the engine's run request (MCP
/// tools become its servers, with the checks every surface shares; function tools become chat-completions tools; the
/// upstream fields take chat-completions names, <c>max_output_tokens</c> becoming <c>max_completion_tokens</c>). Fields
/// it does not know go upstream as given.
/// </summary>
internal static class ResponsesRequestParser
{
    public const int MaxMetadataPairs = 16;

    // Responses-only fields with no chat-completions meaning: dropped rather than sent upstream.
    private static readonly HashSet<string> Dropped = new(StringComparer.Ordinal) { "truncation", "include", "stream_options", "max_tool_calls", "store" };

    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal) { "conversation", "prompt" };

    public static ResponsesRequest Parse(JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        foreach (var name in Unsupported.Where(body.ContainsKey))
        {
            throw new InvalidRequestException($"'{name}' is not supported here; send the conversation as 'input' or with 'previous_response_id'.", name)
            {
                Code = "unsupported_parameter",
            };
        }

        var input = ResponseInput.Normalize(body["input"]);
        var chat = new JsonObject();
        var labels = new Dictionary<Uri, string>();
        var servers = new List<McpServerSpec>();
        var functions = new JsonArray();
        var tools = new JsonArray();
        var mayHold = false;
        var hasFunctions = false;
        UrlContextSpec? urlContext = null;
        if (body["tools"] is { } toolsNode)
        {
            if (toolsNode is not JsonArray list)
            {
                throw new InvalidRequestException("'tools' must be an array.", "tools");
            }

            for (var i = 0; i < list.Count; i++)
            {
                var at = $"tools[{i}]";
                var tool = list[i] as JsonObject ?? throw new InvalidRequestException("Each tool must be an object.", at);
                switch (String(tool, "type", at))
                {
                    case "mcp":
                        var (entry, echo) = McpTool(tool, at);
                        var spec = McpServerSpec.FromToolEntry(entry, at, McpApprovalPolicy.AlwaysRequired);
                        if (labels.Values.Contains(spec.Label!, StringComparer.Ordinal) || !labels.TryAdd(spec.ServerUrl, spec.Label!))
                        {
                            throw new InvalidRequestException($"The MCP server '{spec.Label}' ({spec.ServerUrl}) is named twice in 'tools'.", at);
                        }

                        mayHold |= !spec.RequireApproval.IsNever;
                        servers.Add(spec);
                        tools.Add(echo);
                        break;
                    case "function":
                        functions.Add(FunctionTool(tool, at));
                        tools.Add(tool.DeepClone());
                        hasFunctions = true;
                        break;
                    case "url_context":
                        urlContext = urlContext is null
                            ? UrlContextSpec.FromToolEntry(tool, at)
                            : throw new InvalidRequestException("'tools' names the url_context tool twice.", at);
                        tools.Add(tool.DeepClone());
                        break;
                    case var other:
                        throw new InvalidRequestException(
                            $"The tool type '{other}' is not supported here: use 'mcp' (remote MCP servers), 'function' or 'url_context'.", $"{at}.type")
                        {
                            Code = "unsupported_value",
                        };
                }
            }
        }

        var toolChoice = body["tool_choice"]?.DeepClone() ?? JsonValue.Create("auto");
        if (body["tool_choice"] is { } choice)
        {
            chat["tool_choice"] = ToolChoice(choice, servers, functions);
        }

        var parallel = Bool(body, "parallel_tool_calls");
        if (parallel is not null)
        {
            chat["parallel_tool_calls"] = parallel;
        }

        var maxOutput = Int(body, "max_output_tokens", 1);
        if (maxOutput is not null)
        {
            chat["max_completion_tokens"] = maxOutput;
        }

        var temperature = Number(body, "temperature", 0, 2);
        var topP = Number(body, "top_p", 0, 1);
        var user = OptionalString(body, "user");
        var model = OptionalString(body, "model");
        if (body["reasoning"] is JsonObject reasoning && OptionalString(reasoning, "effort", "reasoning") is { } effort)
        {
            chat["reasoning_effort"] = effort;
        }

        if (body["text"] is JsonObject text && text["format"] is JsonObject format)
        {
            chat["response_format"] = ResponseFormat(format);
        }

        foreach (var (name, value) in body)
        {
            if (!Known(name) && !Dropped.Contains(name))
            {
                chat[name] = value?.DeepClone();
            }
        }

        foreach (var (name, value) in new (string, JsonNode?)[] { ("temperature", temperature), ("top_p", topP), ("user", user) })
        {
            if (value is not null)
            {
                chat[name] = value;
            }
        }

        // The engine's own fields (max_rounds, mcp_wait_for_login, ...) are taken as on /v1/chat/completions; tool calls
        // are items here, not markdown blocks in the text.
        var run = ChatCompletionRequestParser.WithEngineFields(
            new CompletionRunRequest { Messages = [], McpServers = servers, CallerTools = functions, Model = model, UpstreamFields = chat, UrlContext = urlContext }, chat)
            with { OutputMode = McpOutputMode.Text };
        return new ResponsesRequest
        {
            Run = run,
            Input = input,
            Model = model,
            Instructions = OptionalString(body, "instructions"),
            Stream = Bool(body, "stream") ?? false,
            Store = Bool(body, "store") ?? true,
            Background = Bool(body, "background") ?? false,
            PreviousResponseId = OptionalString(body, "previous_response_id"),
            User = user,
            Metadata = Metadata(body["metadata"]),
            Tools = tools,
            ToolChoice = toolChoice,
            ParallelToolCalls = parallel ?? true,
            Temperature = (double?)temperature,
            TopP = (double?)topP,
            MaxOutputTokens = maxOutput,
            Labels = labels,
            MayHoldForApproval = mayHold,
            HasFunctionTools = hasFunctions,
        };
    }

    private static bool Known(string name) => name is "model" or "input" or "instructions" or "tools" or "tool_choice" or "parallel_tool_calls"
        or "max_output_tokens" or "temperature" or "top_p" or "metadata" or "user" or "stream" or "background" or "previous_response_id"
        or "reasoning" or "text";

    /// <summary>
    /// The chat-completions form of an <c>mcp</c> tool (which the engine reads), and the form the response echoes. OpenAI's
    /// default <c>require_approval</c> is <c>"always"</c>; <c>authorization</c> is sent to the server as its bearer token.
    /// </summary>
    private static (JsonObject Entry, JsonObject Echo) McpTool(JsonObject tool, string at)
    {
        if (tool.ContainsKey("connector_id"))
        {
            throw new InvalidRequestException("OpenAI's connectors are not available here: give the MCP server's 'server_url'.", $"{at}.connector_id");
        }

        var label = OptionalString(tool, "server_label", at)
            ?? throw new InvalidRequestException("An MCP tool needs a 'server_label'.", $"{at}.server_label");
        var url = OptionalString(tool, "server_url", at)
            ?? throw new InvalidRequestException("An MCP tool needs a 'server_url': the address of the remote MCP server.", $"{at}.server_url");
        var headers = tool["headers"] is null ? new JsonObject() : tool["headers"] as JsonObject
            ?? throw new InvalidRequestException("'headers' must be an object of header names and string values.", $"{at}.headers");
        headers = (JsonObject)headers.DeepClone();
        if (OptionalString(tool, "authorization", at) is { } authorization)
        {
            if (string.IsNullOrWhiteSpace(authorization) || authorization.AsSpan().ContainsAny('\r', '\n'))
            {
                throw new InvalidRequestException("'authorization' must be a single-line access token.", $"{at}.authorization");
            }

            headers["Authorization"] = authorization.Contains(' ', StringComparison.Ordinal) ? authorization : $"Bearer {authorization}";
        }

        var entry = new JsonObject
        {
            ["type"] = "mcp",
            ["server_label"] = label,
            ["server_url"] = url,
            ["headers"] = headers,
            ["require_approval"] = tool["require_approval"]?.DeepClone() ?? "always",
        };
        if (tool["allowed_tools"] is { } allowed)
        {
            entry["allowed_tools"] = allowed.DeepClone();
        }

        var echo = new JsonObject();
        foreach (var (name, value) in tool)
        {
            // Credentials stay out of what is echoed and stored.
            if (name is not ("authorization" or "headers"))
            {
                echo[name] = value?.DeepClone();
            }
        }

        echo["require_approval"] = entry["require_approval"]!.DeepClone();
        return (entry, echo);
    }

    private static JsonObject FunctionTool(JsonObject tool, string at)
    {
        var name = OptionalString(tool, "name", at) ?? throw new InvalidRequestException("A function tool needs a 'name'.", $"{at}.name");
        var function = new JsonObject { ["name"] = name };
        foreach (var field in new[] { "description", "parameters", "strict" })
        {
            if (tool[field] is { } value)
            {
                function[field] = value.DeepClone();
            }
        }

        return new JsonObject { ["type"] = "function", ["function"] = function };
    }

    private static JsonNode ToolChoice(JsonNode choice, List<McpServerSpec> servers, JsonArray functions) => choice switch
    {
        JsonValue v when v.TryGetValue(out string? mode) && mode is "auto" or "none" or "required" => mode,
        JsonObject o when (string?)o["type"] == "function" && o["name"] is JsonValue n && n.TryGetValue(out string? name) => Forced(name),
        JsonObject o when (string?)o["type"] == "mcp" => McpToolChoice(o, servers, functions),
        _ => throw new InvalidRequestException(
            "'tool_choice' must be \"auto\", \"none\", \"required\", {\"type\": \"function\", \"name\": ...} or {\"type\": \"mcp\", \"server_label\": ...}.",
            "tool_choice"),
    };

    /// <summary>
    /// <c>{"type": "mcp", "server_label", "name"}</c> forces that tool under the name the engine gives it (the readable
    /// <c>mcp_{label}_{tool}</c>, or its hashed form when that is too long or taken by a function tool); without a
    /// <c>name</c>, the model must call some tool.
    /// </summary>
    private static JsonNode McpToolChoice(JsonObject choice, List<McpServerSpec> servers, JsonArray functions)
    {
        var label = OptionalString(choice, "server_label", "tool_choice");
        var server = servers.FirstOrDefault(s => s.Label == label) ?? throw new InvalidRequestException(
            $"'tool_choice' names the MCP server '{label}', which is not in 'tools'.", "tool_choice.server_label");
        if (OptionalString(choice, "name", "tool_choice") is not { } tool)
        {
            return "required";
        }

        var taken = functions.Select(f => (string?)f?["function"]?["name"]).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var prefix = McpToolNamer.ServerPrefixes(servers)[servers.IndexOf(server)];
        return Forced(McpToolNamer.Allocate(prefix, server.ServerUrl, tool, taken));
    }

    private static JsonObject Forced(string function) =>
        new() { ["type"] = "function", ["function"] = new JsonObject { ["name"] = function } };

    private static JsonObject ResponseFormat(JsonObject format) => (string?)format["type"] switch
    {
        "text" => new JsonObject { ["type"] = "text" },
        "json_object" => new JsonObject { ["type"] = "json_object" },
        "json_schema" => new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject
            {
                ["name"] = format["name"]?.DeepClone() ?? "response",
                ["schema"] = format["schema"]?.DeepClone(),
                ["strict"] = format["strict"]?.DeepClone(),
                ["description"] = format["description"]?.DeepClone(),
            },
        },
        _ => throw new InvalidRequestException("'text.format.type' must be \"text\", \"json_object\" or \"json_schema\".", "text.format.type"),
    };

    private static JsonObject Metadata(JsonNode? node)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not JsonObject map || map.Count > MaxMetadataPairs
            || map.Any(p => p.Key.Length > 64 || p.Value is not JsonValue v || !v.TryGetValue(out string? s) || s.Length > 512))
        {
            throw new InvalidRequestException(
                $"'metadata' must be an object of at most {MaxMetadataPairs} string values (keys up to 64 characters, values up to 512).", "metadata");
        }

        return (JsonObject)map.DeepClone();
    }

    private static string String(JsonObject obj, string name, string at) =>
        OptionalString(obj, name, at) ?? throw new InvalidRequestException($"'{name}' is required.", $"{at}.{name}");

    internal static string? OptionalString(JsonObject obj, string name, string? at = null) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw new InvalidRequestException($"'{name}' must be a string.", at is null ? name : $"{at}.{name}"),
    };

    private static bool? Bool(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => throw new InvalidRequestException($"'{name}' must be true or false.", name),
    };

    private static int? Int(JsonObject obj, string name, int min)
    {
        if (obj[name] is not { } node)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out int value) && value >= min
            ? value
            : throw new InvalidRequestException($"'{name}' must be a whole number of at least {min}.", name);
    }

    private static JsonValue? Number(JsonObject obj, string name, double min, double max)
    {
        if (obj[name] is not { } node)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out double value) && value >= min && value <= max
            ? JsonValue.Create(value)
            : throw new InvalidRequestException($"'{name}' must be a number from {min} to {max}.", name);
    }
}
