using McpSubAgent.Completions.Approvals;

namespace McpSubAgent.Completions.Events;

/// <summary>
/// Calls of this round need a person's approval: they are held (with the rest of the round) and stored as
/// <paramref name="Approvals"/>. The run then ends with <c>finish_reason: "tool_calls"</c>, the held calls coming back
/// under their approval ids; the next request answers them (see <see cref="McpToolApproval"/>).
/// </summary>
public sealed record ApprovalRequired(IReadOnlyList<McpToolApproval> Approvals) : CompletionEvent;
