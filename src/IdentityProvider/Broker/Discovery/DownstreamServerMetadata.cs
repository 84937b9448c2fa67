namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>
/// RFC 8414 / OpenID Connect discovery metadata of a downstream authorization server, the fields the broker reads.
/// Ours: the MCP SDK's <c>AuthorizationServerMetadata</c> is internal in ModelContextProtocol 2.3.1, and its endpoints
/// are <see cref="Uri"/>s, which would make a bad endpoint an unreadable document instead of the broker's refusal
/// that names it.
/// </summary>
internal sealed record DownstreamServerMetadata(
    string? Issuer,
    string? AuthorizationEndpoint,
    string? TokenEndpoint,
    string? RegistrationEndpoint,
    string? RevocationEndpoint,
    IReadOnlyList<string>? CodeChallengeMethodsSupported,
    IReadOnlyList<string>? TokenEndpointAuthMethodsSupported,
    IReadOnlyList<string>? ScopesSupported,
    bool? ClientIdMetadataDocumentSupported,
    bool? AuthorizationResponseIssParameterSupported);
