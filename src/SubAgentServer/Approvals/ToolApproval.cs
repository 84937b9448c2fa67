namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>A tool call held for approval, as stored (table <c>ToolApprovals</c>); see <see cref="Completions.Approvals.McpToolApproval"/>.</summary>
public sealed class ToolApproval
{
    public const int IdMaxLength = 64;

    public required string Id { get; set; }

    public required string UserKey { get; set; }

    public required string ServerUrl { get; set; }

    public required string ToolName { get; set; }

    public required string Arguments { get; set; }

    public required string ArgumentsDigest { get; set; }

    public required string CallId { get; set; }

    /// <summary>The model's assistant message of the held round, JSON.</summary>
    public required string RoundMessage { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The owner's decision on the approval page; null until made.</summary>
    public bool? Approved { get; set; }

    /// <summary>The approval served its call (ran or was reported denied); it cannot be used again.</summary>
    public bool Used { get; set; }
}
