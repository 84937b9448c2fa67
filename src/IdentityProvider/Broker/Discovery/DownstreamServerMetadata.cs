namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>RFC 8414 / OpenID Connect discovery metadata of a downstream authorization server, the fields the broker reads.</summary>
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
