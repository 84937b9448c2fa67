using System.Text.Json;
using System.Text.Json.Serialization;
using McpSubAgent.SubAgentServer.Agents;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>A task as <c>get_agent_task</c> and <c>/tasks/{id}.json</c> show it.</summary>
internal sealed record AgentTaskView
{
    [JsonPropertyName("task_id")]
    public required string TaskId { get; init; }

    /// <summary><c>queued</c>, <c>working</c>, <c>auth_required</c>, <c>input_required</c>, <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The answer in markdown so far (after the last finished round while the task runs).</summary>
    [JsonPropertyName("output")]
    public string Output { get; init; } = "";

    /// <summary>The logins the user must complete; the task resumes by itself afterwards.</summary>
    [JsonPropertyName("login_links")]
    public IReadOnlyList<AgentLoginLink> LoginLinks { get; init; } = [];

    /// <summary>
    /// The tool calls an <c>input_required</c> task waits on, each with its approval page (only the owner, signed in,
    /// can decide there); the task resumes by itself once all are decided.
    /// </summary>
    [JsonPropertyName("approvals")]
    public IReadOnlyList<AgentApproval> Approvals { get; init; } = [];

    /// <summary>Tokens over all rounds so far.</summary>
    [JsonPropertyName("usage")]
    public AgentUsage Usage { get; init; } = new(0, 0, 0);

    /// <summary>Why the task failed, when it did.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>Tool rounds finished so far.</summary>
    [JsonPropertyName("rounds")]
    public int Rounds { get; init; }

    [JsonPropertyName("created_at")]
    public DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("updated_at")]
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
