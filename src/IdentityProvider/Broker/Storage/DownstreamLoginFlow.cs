namespace McpSubAgent.IdentityProvider.Broker.Storage;

/// <summary>
/// A login link and the authorization request it starts. Kept in the database so that any replica can open the link
/// and finish the callback. Only hashes of the link and of the state are stored: a copy of the table opens nothing.
/// </summary>
public sealed class DownstreamLoginFlow
{
    /// <summary>SHA-256 of the link's secret part.</summary>
    public required string Id { get; set; }

    public required string UserKey { get; set; }

    public string Profile { get; set; } = "";

    public required string ServerUrl { get; set; }

    /// <summary>What discovery found when the link was made (<c>DownstreamAuthorization</c> as JSON).</summary>
    public required string AuthorizationJson { get; set; }

    /// <summary>
    /// SHA-256 of the one-time secret the flow waits for: the <c>state</c> of the latest authorization request started
    /// from this link, then, for an app that verifies its end users, the flow id given to the app's verification URL.
    /// </summary>
    public string? StateHash { get; set; }

    /// <summary>
    /// The PKCE verifier, client and browser of that request (<c>PendingAuthorization</c> as JSON), then the tokens
    /// waiting for the app's confirmation (<c>PendingVerification</c>); encrypted.
    /// </summary>
    public string? ProtectedPending { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When a login through this link completed: the link is used up.</summary>
    public DateTimeOffset? CompletedAt { get; set; }
}
