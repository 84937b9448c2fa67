namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>
/// RFC 9728 protected-resource metadata of a downstream MCP server, the fields the broker reads. Not the MCP SDK's
/// <c>ProtectedResourceMetadata</c> (what our own /mcp publishes): its <c>resource</c> is required and its
/// <c>authorization_servers</c> are <see cref="Uri"/>s, so a document missing the one or with one odd entry would not
/// be read at all, where the broker takes the server's URL as the resource and the first usable server.
/// </summary>
internal sealed record DownstreamResourceMetadata(
    string? Resource,
    IReadOnlyList<string>? AuthorizationServers,
    IReadOnlyList<string>? ScopesSupported);
