namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>RFC 9728 protected-resource metadata of a downstream MCP server, the fields the broker reads.</summary>
internal sealed record DownstreamResourceMetadata(
    string? Resource,
    IReadOnlyList<string>? AuthorizationServers,
    IReadOnlyList<string>? ScopesSupported);
