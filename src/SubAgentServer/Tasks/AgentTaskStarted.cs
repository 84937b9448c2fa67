using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>The answer of <c>start_agent_task</c>.</summary>
internal sealed record AgentTaskStarted
{
    [JsonPropertyName("task_id")]
    public required string TaskId { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The result as markdown, readable without sign-in by whoever has the link.</summary>
    [JsonPropertyName("result_url")]
    public required string ResultUrl { get; init; }

    /// <summary>The result as JSON (the fields of <c>get_agent_task</c>), readable without sign-in.</summary>
    [JsonPropertyName("json_url")]
    public required string JsonUrl { get; init; }

    /// <summary>How often to call <c>get_agent_task</c> while the task is pending.</summary>
    [JsonPropertyName("poll_interval_ms")]
    public int PollIntervalMs { get; init; }
}
