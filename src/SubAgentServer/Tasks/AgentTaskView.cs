using System.Text.Json;
using System.Text.Json.Serialization;
using McpSubAgent.SubAgentServer.Agents;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// A task as <c>get_agent_task</c> and <c>/tasks/{id}.json</c> show it. Its <see cref="AgentRunState.Status"/> is
/// <c>queued</c>, <c>working</c>, <c>auth_required</c>, <c>input_required</c>, <c>completed</c>, <c>failed</c> or
/// <c>cancelled</c>; its login links and approvals are the ones it waits on, and it resumes by itself once they are done.
/// </summary>
internal sealed record AgentTaskView : AgentRunState
{
    [JsonPropertyName("task_id")]
    [JsonPropertyOrder(0)]
    public required string TaskId { get; init; }

    /// <summary>Tool rounds finished so far.</summary>
    [JsonPropertyName("rounds")]
    [JsonPropertyOrder(8)]
    public int Rounds { get; init; }

    [JsonPropertyName("created_at")]
    [JsonPropertyOrder(9)]
    public DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("updated_at")]
    [JsonPropertyOrder(10)]
    public DateTimeOffset UpdatedAt { get; init; }

    internal static AgentTaskView From(AgentTask task) => new()
    {
        TaskId = task.Id,
        Status = task.Status,
        Output = task.Output,
        LoginLinks = task.Status == AgentTaskStatus.AuthRequired && task.LoginLinksJson is { } links
            ? JsonSerializer.Deserialize(links, AgentTaskJsonContext.Default.ListAgentLoginLink) ?? []
            : [],
        Approvals = task.Status == AgentTaskStatus.InputRequired && task.ApprovalsJson is { } approvals
            ? JsonSerializer.Deserialize(approvals, AgentTaskJsonContext.Default.ListAgentApproval) ?? []
            : [],
        Usage = new AgentUsage(task.PromptTokens, task.CompletionTokens, task.TotalTokens),
        Error = task.Error,
        Rounds = task.RoundsDone,
        CreatedAt = task.CreatedAt,
        UpdatedAt = task.UpdatedAt,
    };
}
