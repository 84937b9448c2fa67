namespace McpSubAgent.Completions.Usage;

/// <summary>What one run cost and did, given to every <see cref="ICompletionRunObserver"/> when it ends.</summary>
/// <param name="RunId">The completion id of the run.</param>
/// <param name="UserKey">The user the run was for.</param>
/// <param name="Profile">The profile, if any.</param>
/// <param name="Model">The model.</param>
/// <param name="Outcome">Why the run ended.</param>
/// <param name="RoundUsage">The tokens of each upstream call, in order.</param>
/// <param name="TotalUsage">The tokens of all upstream calls together.</param>
/// <param name="ToolCalls">Every MCP tool call, with its duration and outcome.</param>
/// <param name="Duration">How long the run took.</param>
public sealed record CompletionRunReport(
    string RunId,
    string UserKey,
    string? Profile,
    string Model,
    RunOutcome Outcome,
    IReadOnlyList<TokenUsage> RoundUsage,
    TokenUsage TotalUsage,
    IReadOnlyList<ToolCallReport> ToolCalls,
    TimeSpan Duration);
