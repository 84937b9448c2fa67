using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>The 202 answer to <c>background: true</c>: the task that runs the completion and where its result appears.</summary>
internal sealed record BackgroundCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("result_url")] string ResultUrl,
    [property: JsonPropertyName("json_url")] string JsonUrl);
