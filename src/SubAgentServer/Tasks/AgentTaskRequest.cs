using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// The shape earlier versions stored for a background chat completion or response: the chat-completions body and how
/// its logins work. Only read (by <see cref="AgentTaskRun.Read"/>), so that such tasks still run after an upgrade.
/// </summary>
internal sealed record AgentTaskRequest
{
    /// <summary>The chat-completions body, without <c>background</c> and <c>store</c>.</summary>
    [JsonPropertyName("request")]
    public required JsonObject Request { get; init; }

    /// <summary>True when an app started it without an end user: a needed login fails the task.</summary>
    [JsonPropertyName("login_needs_end_user")]
    public bool LoginNeedsEndUser { get; init; }
}
