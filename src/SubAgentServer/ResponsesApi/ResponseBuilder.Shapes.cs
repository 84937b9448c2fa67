using System.Text.Json.Nodes;
using McpSubAgent.Completions.Usage;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>The JSON shapes of OpenAI's Responses API that the builder writes: usage, annotations, text parts and events.</summary>
internal sealed partial class ResponseBuilder
{
    private static JsonObject Usage(TokenUsage usage) => new()
    {
        ["input_tokens"] = usage.PromptTokens,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["output_tokens"] = usage.CompletionTokens,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
        ["total_tokens"] = usage.TotalTokens,
    };

    private static JsonObject Annotations(ToolAnnotations a) => new()
    {
        ["title"] = a.Title,
        ["readOnlyHint"] = a.ReadOnlyHint,
        ["destructiveHint"] = a.DestructiveHint,
        ["idempotentHint"] = a.IdempotentHint,
        ["openWorldHint"] = a.OpenWorldHint,
    };

    private static JsonObject TextPart(string text) => new() { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() };

    private static JsonObject TextEvent(int index, JsonObject item, JsonObject fields)
    {
        fields["item_id"] = item["id"]!.DeepClone();
        fields["output_index"] = index;
        fields["content_index"] = 0;
        return fields;
    }

    private static JsonObject With(JsonObject ids, string name, string value)
    {
        var copy = (JsonObject)ids.DeepClone();
        copy[name] = value;
        return copy;
    }
}
