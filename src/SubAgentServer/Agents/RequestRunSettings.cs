namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>How <see cref="AgentRunner.RunRequestAsync"/> runs a chat-completions request.</summary>
internal sealed record RequestRunSettings
{
    /// <summary>The completion id; a new one when null.</summary>
    public string? RunId { get; init; }

    /// <summary>True for an app without an end user: a needed login fails the run (see <see cref="EndUserLoginGuard"/>).</summary>
    public bool LoginNeedsEndUser { get; init; }

    /// <summary>The base URL of the approval pages (<c>…/approvals/</c>), for links to held tool calls.</summary>
    public Uri? ApprovalPages { get; init; }

    /// <summary>How long held calls may wait for a decision; the engine's default when null.</summary>
    public TimeSpan? ApprovalLifetime { get; init; }

    /// <summary>An agent task: bounded by the task queue, and resuming a round that was under way when its process died.</summary>
    public bool IsBackground { get; init; }
}
