using System.Text.Json.Nodes;

namespace McpSubAgent.Testing.Llm;

/// <summary>A chat completion request as the fake LLM received it.</summary>
/// <param name="Path">The request path, e.g. "/v1/chat/completions".</param>
/// <param name="Body">The parsed JSON body; fully materialized, so reading it from several threads is safe.</param>
/// <param name="Headers">Request headers (case-insensitive keys, repeated values joined with ", ").</param>
public sealed record ReceivedLlmRequest(string Path, JsonObject Body, IReadOnlyDictionary<string, string> Headers)
{
    public JsonArray Messages => Body["messages"] as JsonArray ?? [];

    public string? Model => Body["model"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Function names in <c>body.tools</c>, in request order.</summary>
    public IReadOnlyList<string> ToolNames =>
        Body["tools"] is JsonArray tools
            ? [.. tools.Select(t => t?["function"]?["name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>()]
            : [];

    public bool Stream => Body["stream"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>True when the client asked for the final usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage =>
        Body["stream_options"]?["include_usage"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
