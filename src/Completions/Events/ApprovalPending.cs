using McpSubAgent.Completions.Approvals;

namespace McpSubAgent.Completions.Events;

/// <summary>
/// The run waits (<c>mcp_wait_for_approval</c>) at most <paramref name="Timeout"/> for the owner to decide the held
/// calls on their pages; once all are decided, the run goes on by itself.
/// </summary>
public sealed record ApprovalPending(IReadOnlyList<McpToolApproval> Approvals, TimeSpan Timeout) : CompletionEvent;
