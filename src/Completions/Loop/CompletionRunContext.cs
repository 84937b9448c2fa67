namespace McpSubAgent.Completions.Loop;

/// <summary>Who a run is for and the limits the host sets on it.</summary>
/// <param name="UserKey">The stable id of the user; MCP connections and credentials are kept per user key.</param>
public sealed record CompletionRunContext(string UserKey)
{
    /// <summary>The profile, overriding the request's front matter: one user may keep several logins to a server.</summary>
    public string? Profile { get; init; }

    /// <summary>The round limit, overriding the request's <c>max_rounds</c> and the configured default.</summary>
    public int? MaxRounds { get; init; }

    /// <summary>
    /// How long to wait for a needed login before answering with the login link, overriding the request's
    /// <c>mcp_wait_for_login</c>; null leaves it to the request.
    /// </summary>
    public TimeSpan? WaitForLogin { get; init; }

    /// <summary>
    /// How long to wait for a person to decide calls held for approval, overriding the request's
    /// <c>mcp_wait_for_approval</c>; null leaves it to the request. Waiting needs <see cref="ApprovalPages"/>.
    /// </summary>
    public TimeSpan? WaitForApproval { get; init; }

    /// <summary>
    /// The base URL of the host's approval pages (<c>…/approvals/</c>): a held call's page is this plus its approval id.
    /// Null when the host has none; then only the caller can answer held calls.
    /// </summary>
    public Uri? ApprovalPages { get; init; }

    /// <summary>
    /// How long calls held for approval in this run can be decided and answered, overriding
    /// <see cref="CompletionsOptions.ApprovalLifetime"/> (an agent task waits longer for its owner than an answer does).
    /// </summary>
    public TimeSpan? ApprovalLifetime { get; init; }

    /// <summary>The completion id; a new <c>chatcmpl-…</c> id when null.</summary>
    public string? RunId { get; init; }

    /// <summary>
    /// A background run (an agent task): it does not count towards <see cref="CompletionsOptions.MaxConcurrentRunsPerUser"/>,
    /// because the task queue bounds a user's tasks and their share of the workers.
    /// </summary>
    public bool IsBackground { get; init; }

    /// <summary>
    /// The conversation may end with an assistant message whose tool calls lack some results: the run was stopped
    /// (a crash, a restart) while they were under way. Those calls are made again only when the tool says that is safe
    /// (MCP <c>readOnlyHint</c> or <c>idempotentHint</c>); the others are reported to the model and the person as
    /// interrupted, since they may or may not have taken effect.
    /// </summary>
    public bool ResumesInterruptedRound { get; init; }
}
