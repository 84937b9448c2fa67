using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Events;

/// <summary>The last event of every run that was not cancelled.</summary>
/// <param name="FinishReason">OpenAI's finish reason: <c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>content_filter</c>.</param>
/// <param name="Outcome">Why the run ended.</param>
/// <param name="Usage">The tokens of all rounds together.</param>
/// <param name="LoginLinks">
/// The logins needed: when <paramref name="Outcome"/> is <see cref="RunOutcome.LoginRequired"/>, those that stopped the
/// run; otherwise those of servers the model added with <c>mcp_search</c> that the person has yet to complete.
/// </param>
public sealed record CompletionFinished(
    string FinishReason, RunOutcome Outcome, TokenUsage Usage, IReadOnlyList<McpLoginLink> LoginLinks) : CompletionEvent
{
    /// <summary>The calls held for approval, when <see cref="Outcome"/> is <see cref="RunOutcome.ApprovalRequired"/>.</summary>
    public IReadOnlyList<McpToolApproval> Approvals { get; init; } = [];
}
