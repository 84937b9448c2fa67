namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>RFC 9728 protected-resource metadata, the fields the broker reads.</summary>
internal sealed record ProtectedResourceMetadata(
    string? Resource,
    IReadOnlyList<string>? AuthorizationServers,
    IReadOnlyList<string>? ScopesSupported);
