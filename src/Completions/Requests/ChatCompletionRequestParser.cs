using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.UrlContext;

namespace McpSubAgent.Completions.Requests;

/// <summary>Validates a chat-completions body and takes its MCP servers out of it.</summary>
public static class ChatCompletionRequestParser
{
    /// <summary>The engine's own request fields, removed before the body goes upstream.</summary>
    internal static readonly string[] EngineFields = ["mcp_output", "max_rounds", "mcp_wait_for_login", "mcp_wait_for_approval"];

    /// <summary>The longest a request may wait for a needed login (<c>mcp_wait_for_login</c>) or approval (<c>mcp_wait_for_approval</c>).</summary>
    public static readonly TimeSpan MaxWaitForLogin = TimeSpan.FromMinutes(10);

    /// <summary>Parses raw JSON; malformed JSON or a body that is not an object is an <see cref="InvalidRequestException"/>.</summary>
    public static ChatCompletionRequest Parse(ReadOnlySpan<byte> json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException($"The request body is not valid JSON: {ex.Message}", innerException: ex);
        }

        return Parse(node as JsonObject ?? throw new InvalidRequestException("The request body must be a JSON object."));
    }

    /// <summary>
    /// Whether a body may use the engine: it has a <c>{type:"mcp"}</c> tool or its first system or user message starts
    /// with front matter. A cheap test, so that other requests can pass through untouched.
    /// </summary>
    public static bool MayUseMcp(JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body["tools"] is JsonArray tools && tools.OfType<JsonObject>().Any(t => McpServerSpec.IsToolEntry(t) || IsMcpSearchTool(t) || UrlContextSpec.IsToolEntry(t)))
        {
            return true;
        }

        return body["messages"] is JsonArray messages && messages.OfType<JsonObject>()
            .FirstOrDefault(m => (string?)m["role"] is "system" or "user" or "developer")?["content"] switch
            {
                JsonValue v when v.TryGetValue(out string? s) => s.StartsWith("---", StringComparison.Ordinal),
                JsonArray parts => parts.FirstOrDefault() is JsonObject p && p["text"] is JsonValue t
                    && t.TryGetValue(out string? s) && s.StartsWith("---", StringComparison.Ordinal),
                _ => false,
            };
    }

    /// <summary>
    /// Validates <paramref name="source"/> and returns the request. The source is not changed: the result holds a copy.
    /// </summary>
    public static ChatCompletionRequest Parse(JsonObject source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var body = (JsonObject)source.DeepClone();

        if (body["messages"] is not JsonArray messages || messages.Count == 0)
        {
            throw new InvalidRequestException("'messages' must be a non-empty array.", "messages");
        }

        ChatMessageValidator.Validate(messages);

        var model = ReadOptionalString(body, "model");
        var stream = ReadOptionalBool(body, "stream") ?? false;
        var includeUsage = body["stream_options"] is JsonObject so && (ReadOptionalBool(so, "include_usage") ?? false);
        var user = ReadOptionalString(body, "user");
        var engineFields = WithEngineFields(new CompletionRunRequest { Messages = messages }, body);

        var servers = new List<McpServerSpec>();
        var callerTools = new JsonArray();
        var mcpSearch = false;
        var mcpSearchApproval = McpApprovalPolicy.NeverRequired;
        UrlContextSpec? urlContext = null;
        if (body["tools"] is JsonNode toolsNode)
        {
            if (toolsNode is not JsonArray tools)
            {
                throw new InvalidRequestException("'tools' must be an array.", "tools");
            }

            for (var i = 0; i < tools.Count; i++)
            {
                if (tools[i] is JsonObject searchTool && IsMcpSearchTool(searchTool))
                {
                    mcpSearch = true;
                    mcpSearchApproval = McpApprovalPolicy.Parse(searchTool["require_approval"], $"tools[{i}].require_approval");
                }
                else if (tools[i] is JsonObject urlTool && UrlContextSpec.IsToolEntry(urlTool))
                {
                    urlContext = urlContext is null
                        ? UrlContextSpec.FromToolEntry(urlTool, $"tools[{i}]")
                        : throw new InvalidRequestException("'tools' names the url_context tool twice.", $"tools[{i}]");
                }
                else if (tools[i] is JsonObject tool && McpServerSpec.IsToolEntry(tool))
                {
                    var spec = McpServerSpec.FromToolEntry(tool, $"tools[{i}]");
                    if (servers.Any(s => s.ServerUrl == spec.ServerUrl))
                    {
                        throw new InvalidRequestException(
                            $"The MCP server {spec.ServerUrl} is named twice in 'tools'.", $"tools[{i}]");
                    }

                    servers.Add(spec);
                }
                else
                {
                    callerTools.Add(tools[i]?.DeepClone());
                }
            }
        }

        body.Remove("messages");
        body.Remove("tools");
        var run = new CompletionRunRequest
        {
            Messages = messages,
            McpServers = servers,
            CallerTools = callerTools,
            Model = model,
            UpstreamFields = body,
            OutputMode = engineFields.OutputMode,
            MaxRounds = engineFields.MaxRounds,
            WaitForLogin = engineFields.WaitForLogin,
            WaitForApproval = engineFields.WaitForApproval,
            McpSearch = mcpSearch,
            McpSearchRequireApproval = mcpSearchApproval,
            UrlContext = urlContext,
        }.WithFrontMatter(out var hasFrontMatter);
        return new ChatCompletionRequest(run, stream, includeUsage, user, hasFrontMatter);
    }

    /// <summary>
    /// Reads the engine's own fields of a request body (<c>mcp_output</c>, <c>max_rounds</c>, <c>mcp_wait_for_login</c>,
    /// <c>mcp_wait_for_approval</c>) into <paramref name="request"/> and removes them from <paramref name="body"/>, with
    /// the checks of <c>/v1/chat/completions</c>: for a surface of another format that accepts them beside its own fields.
    /// </summary>
    /// <exception cref="InvalidRequestException">A field has the wrong shape or value.</exception>
    public static CompletionRunRequest WithEngineFields(CompletionRunRequest request, JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        var outputMode = ReadOptionalString(body, "mcp_output") switch
        {
            null => request.OutputMode,
            "markdown" => McpOutputMode.Markdown,
            "text" => McpOutputMode.Text,
            var other => throw new InvalidRequestException(
                $"'mcp_output' must be \"markdown\" or \"text\", not \"{other}\".", "mcp_output"),
        };
        int? maxRounds = request.MaxRounds;
        if (body["max_rounds"] is JsonNode roundsNode)
        {
            if (roundsNode.GetValueKind() != JsonValueKind.Number || !roundsNode.AsValue().TryGetValue(out int rounds)
                || rounds is < 1 or > 100)
            {
                throw new InvalidRequestException("'max_rounds' must be a whole number from 1 to 100.", "max_rounds");
            }

            maxRounds = rounds;
        }

        var waitForLogin = body.ContainsKey("mcp_wait_for_login") ? ReadWait(body, "mcp_wait_for_login") : request.WaitForLogin;
        var waitForApproval = body.ContainsKey("mcp_wait_for_approval") ? ReadWait(body, "mcp_wait_for_approval") : request.WaitForApproval;
        foreach (var field in EngineFields)
        {
            body.Remove(field);
        }

        return request with { OutputMode = outputMode, MaxRounds = maxRounds, WaitForLogin = waitForLogin, WaitForApproval = waitForApproval };
    }

    /// <summary>A wait in whole seconds, from 0 (do not wait: null) to <see cref="MaxWaitForLogin"/>.</summary>
    private static TimeSpan? ReadWait(JsonObject body, string field)
    {
        if (body[field] is not JsonNode waitNode)
        {
            return null;
        }

        if (waitNode.GetValueKind() != JsonValueKind.Number || !waitNode.AsValue().TryGetValue(out int seconds)
            || seconds < 0 || seconds > MaxWaitForLogin.TotalSeconds)
        {
            throw new InvalidRequestException($"'{field}' must be a whole number of seconds from 0 to {MaxWaitForLogin.TotalSeconds:0}.", field);
        }

        return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
    }

    private static bool IsMcpSearchTool(JsonObject tool) => tool["type"] is JsonValue v && v.TryGetValue(out string? t) && t == "mcp_search";

    private static string? ReadOptionalString(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw new InvalidRequestException($"'{name}' must be a string.", name),
    };

    private static bool? ReadOptionalBool(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => throw new InvalidRequestException($"'{name}' must be true or false.", name),
    };
}
