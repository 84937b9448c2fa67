namespace McpSubAgent.IdentityProvider.Broker.Storage;

/// <summary>
/// One user's login to one downstream MCP server, per (user key, profile, server URL). The tokens and the client
/// secret are stored encrypted with Data Protection; nothing here is usable without the application's keys.
/// </summary>
public sealed class DownstreamConnection
{
    /// <summary>A random id, used in the revoke form of the connections page.</summary>
    public required string Id { get; set; }

    /// <summary>SHA-256 of (user key, profile, server URL): the unique key, short enough for any index.</summary>
    public required string Key { get; set; }

    public required string UserKey { get; set; }

    /// <summary>The profile, or the empty string for the default one.</summary>
    public string Profile { get; set; } = "";

    public required string ServerUrl { get; set; }

    /// <summary>What discovery found (<c>DownstreamAuthorization</c> as JSON): endpoints, resource, scopes.</summary>
    public required string AuthorizationJson { get; set; }

    /// <summary>The client the tokens were issued to (<c>DownstreamClient</c> as JSON), encrypted: it may hold a secret.</summary>
    public required string ProtectedClient { get; set; }

    /// <summary>The access and refresh tokens (<c>DownstreamTokens</c> as JSON), encrypted; null once a login is needed.</summary>
    public string? ProtectedTokens { get; set; }

    /// <summary>The scope granted (or asked for, when the server does not say).</summary>
    public string? Scope { get; set; }

    public DateTimeOffset? AccessTokenExpiresAt { get; set; }

    /// <summary><see cref="DownstreamConnectionStatus"/>.</summary>
    public required string Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>Bumped on every token change, so that two replicas refreshing at once notice each other.</summary>
    public int Version { get; set; }
}
