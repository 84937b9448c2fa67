using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>How the host checks access tokens on <c>/mcp</c> and <c>/v1</c> (configuration section <c>TokenValidation</c>).</summary>
internal sealed class TokenValidationOptions
{
    public const string SectionName = "TokenValidation";

    /// <summary>
    /// How long the answer to "is this token still valid in the database?" (not revoked, its app client and its user not
    /// removed) is reused for the same token. Revocations made through this process take effect at once; those made by
    /// another process (a <c>clients remove</c> or <c>users remove</c> command, another replica) within this time.
    /// Zero checks the database on every request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RevocationCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most tokens remembered at once (by each of the two caches: validated tokens and revocation answers); beyond it expired ones are dropped, then all.</summary>
    [Range(100, 1_000_000)]
    public int MaxRememberedTokens { get; set; } = 10_000;
}
