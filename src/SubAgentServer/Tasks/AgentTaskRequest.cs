using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>What a task started through <c>/v1/chat/completions</c> runs: the request body and how its logins work.</summary>
public sealed record AgentTaskRequest
{
    /// <summary>The chat-completions body, without <c>background</c> and <c>store</c>.</summary>
    [JsonPropertyName("request")]
    public required JsonObject Request { get; init; }

    /// <summary>True when an app started it without an end user: a needed login fails the task.</summary>
    [JsonPropertyName("login_needs_end_user")]
    public bool LoginNeedsEndUser { get; init; }
}
