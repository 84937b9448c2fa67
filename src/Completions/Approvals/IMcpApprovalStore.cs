namespace McpSubAgent.Completions.Approvals;

/// <summary>Keeps the tool calls held for approval until they are decided and used, or expire.</summary>
public interface IMcpApprovalStore
{
    /// <summary>Stores new pending approvals.</summary>
    Task AddAsync(IReadOnlyList<McpToolApproval> approvals, CancellationToken cancellationToken);

    /// <summary>The approval with <paramref name="id"/>, or null when there is none (never stored, or removed after it expired).</summary>
    Task<McpToolApproval?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Records the person's decision on a pending approval; false when it is unknown, belongs to another user, was
    /// already decided or used, or has expired.
    /// </summary>
    Task<bool> DecideAsync(string id, string userKey, bool approve, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Marks the approval used; false when it is unknown or was used already (so each approval serves one call).</summary>
    Task<bool> TryUseAsync(string id, CancellationToken cancellationToken);
}
