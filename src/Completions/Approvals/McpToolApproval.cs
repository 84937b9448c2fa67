namespace McpSubAgent.Completions.Approvals;

/// <summary>
/// One MCP tool call held for a person's approval, bound to the call: its server, its tool and a digest of its exact
/// arguments, for one user, until it expires, used at most once.
/// </summary>
/// <param name="Id">The approval id (<c>mcpapr_…</c>); it stands in for the call's id in the answer.</param>
/// <param name="UserKey">The user the run belongs to; only they may decide and use the approval.</param>
/// <param name="ServerUrl">The server that would run the call.</param>
/// <param name="ToolName">The tool's own name on its server.</param>
/// <param name="Arguments">The call's arguments as the model wrote them (JSON text).</param>
/// <param name="ArgumentsDigest">The SHA-256 digest of the canonical form of <paramref name="Arguments"/> (see <see cref="McpArgumentsDigest"/>).</param>
/// <param name="CallId">The model's id of the call.</param>
/// <param name="RoundMessage">The model's assistant message of the held round (JSON), with every call of that round.</param>
/// <param name="ExpiresAt">After this the approval can no longer be decided or used.</param>
public sealed record McpToolApproval(
    string Id,
    string UserKey,
    Uri ServerUrl,
    string ToolName,
    string Arguments,
    string ArgumentsDigest,
    string CallId,
    string RoundMessage,
    DateTimeOffset ExpiresAt)
{
    /// <summary>The person's decision in the browser; null until they decide (an app's answer is not stored here).</summary>
    public bool? Approved { get; init; }

    /// <summary>The page where the owner approves or denies the call, when the host has approval pages; not stored.</summary>
    public Uri? PageUrl { get; init; }

    /// <summary>Whether the approval was used (its call ran or was reported denied); it cannot be used again.</summary>
    public bool Used { get; init; }
}
