using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpSubAgent.Testing.Llm;

/// <summary>Builds the OpenAI wire JSON for the scripted replies.</summary>
internal static class ChatCompletionJson
{
    /// <summary>Like OpenAI: quotes as \" and non-ASCII as UTF-8 rather than \uXXXX escapes.</summary>
    public static readonly JsonSerializerOptions WireOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Completion(string id, long created, string model, TextReply reply) =>
        Completion(id, created, model, reply.Content, [], reply.FinishReason, reply.Usage);

    public static JsonObject Completion(string id, long created, string model, ToolCallsReply reply) =>
        Completion(id, created, model, reply.Content, reply.Calls, reply.FinishReason, reply.Usage);

    private static JsonObject Completion(
        string id, long created, string model, string? content, IReadOnlyList<LlmToolCall> calls, string finishReason, LlmUsage usage)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = content };
        if (calls.Count > 0)
        {
            message["tool_calls"] = new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.ArgumentsJson },
            })]);
        }

        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = finishReason,
            }),
            ["usage"] = Usage(usage),
        };
    }

    /// <summary>The chunk sequence of a streamed reply, without the usage chunk and [DONE].</summary>
    public static IEnumerable<JsonObject> Chunks(string id, long created, string model, string? content, IReadOnlyList<LlmToolCall> calls, string finishReason)
    {
        yield return Chunk(id, created, model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);

        foreach (var piece in SplitEvery(content ?? "", 4))
        {
            yield return Chunk(id, created, model, new JsonObject { ["content"] = piece }, null);
        }

        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            yield return Chunk(id, created, model, ToolCallDelta(new JsonObject
            {
                ["index"] = i,
                ["id"] = call.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" },
            }), null);

            // Three pieces, so consumers must concatenate argument fragments per index.
            foreach (var piece in SplitInto(call.ArgumentsJson, 3))
            {
                yield return Chunk(id, created, model, ToolCallDelta(new JsonObject
                {
                    ["index"] = i,
                    ["function"] = new JsonObject { ["arguments"] = piece },
                }), null);
            }
        }

        yield return Chunk(id, created, model, new JsonObject(), finishReason);
    }

    public static JsonObject UsageChunk(string id, long created, string model, LlmUsage usage) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = new JsonArray(),
        ["usage"] = Usage(usage),
    };

    public static JsonObject Error(string message, string type) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = null },
    };

    public static JsonObject Models() => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray(Model("fake-model"), Model("fake-model-2")),
    };

    private static JsonObject Model(string id) => new()
    {
        ["id"] = id,
        ["object"] = "model",
        ["created"] = 0,
        ["owned_by"] = "tests",
    };

    private static JsonObject Chunk(string id, long created, string model, JsonObject delta, string? finishReason) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["finish_reason"] = finishReason,
        }),
    };

    private static JsonObject ToolCallDelta(JsonObject toolCall) => new() { ["tool_calls"] = new JsonArray(toolCall) };

    private static JsonObject Usage(LlmUsage usage) => new()
    {
        ["prompt_tokens"] = usage.PromptTokens,
        ["completion_tokens"] = usage.CompletionTokens,
        ["total_tokens"] = usage.TotalTokens,
    };

    // Splits on text elements so surrogate pairs and combining marks are never cut in half.
    private static IEnumerable<string> SplitEvery(string text, int size)
    {
        var current = new StringBuilder();
        var count = 0;
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext())
        {
            current.Append(e.GetTextElement());
            if (++count == size)
            {
                yield return current.ToString();
                current.Clear();
                count = 0;
            }
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }

    private static IEnumerable<string> SplitInto(string text, int parts)
    {
        var elements = new List<string>();
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext())
        {
            elements.Add(e.GetTextElement());
        }

        var start = 0;
        for (var i = 0; i < parts; i++)
        {
            var end = elements.Count * (i + 1) / parts;
            yield return string.Concat(elements.Skip(start).Take(end - start));
            start = end;
        }
    }
}
