using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>
/// What a client sees of a sub-agent run, whether it ran now (<see cref="AgentRunResult"/>) or runs as a background
/// task (<c>AgentTaskView</c>): its status, its answer, the logins and approvals it waits on, its usage and its error.
/// The JSON order is explicit because the derived types put their own members before, between and after these.
/// </summary>
internal abstract record AgentRunState
{
    /// <summary>The run's status, in the vocabulary of the derived type.</summary>
    [JsonPropertyName("status")]
    [JsonPropertyOrder(1)]
    public required string Status { get; init; }

    /// <summary>The answer in markdown, with each tool call and result (so far, while a task runs).</summary>
    [JsonPropertyName("output")]
    [JsonPropertyOrder(2)]
    public string Output { get; init; } = "";

    /// <summary>The logins needed before the run can use its MCP servers.</summary>
    [JsonPropertyName("login_links")]
    [JsonPropertyOrder(3)]
    public IReadOnlyList<AgentLoginLink> LoginLinks { get; init; } = [];

    /// <summary>
    /// The tool calls that wait for the user's approval, each with its approval page (only the owner, signed in, can
    /// decide there).
    /// </summary>
    [JsonPropertyName("approvals")]
    [JsonPropertyOrder(4)]
    public IReadOnlyList<AgentApproval> Approvals { get; init; } = [];

    /// <summary>Tokens over all rounds (so far).</summary>
    [JsonPropertyName("usage")]
    [JsonPropertyOrder(6)]
    public AgentUsage Usage { get; init; } = new(0, 0, 0);

    /// <summary>Why the run failed, when it did.</summary>
    [JsonPropertyName("error")]
    [JsonPropertyOrder(7)]
    public string? Error { get; init; }
}
