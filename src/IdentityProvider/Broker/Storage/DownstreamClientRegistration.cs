namespace McpSubAgent.IdentityProvider.Broker.Storage;

/// <summary>Our client at one downstream authorization server, from dynamic registration (RFC 7591), reused for every user.</summary>
public sealed class DownstreamClientRegistration
{
    /// <summary>SHA-256 of (issuer, redirect URI).</summary>
    public required string Id { get; set; }

    public required string Issuer { get; set; }

    public required string RedirectUri { get; set; }

    /// <summary>The registered client (<c>DownstreamClient</c> as JSON), encrypted: it may hold a secret.</summary>
    public required string ProtectedClient { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the server said the client secret expires, if it did.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
}
