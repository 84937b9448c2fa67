namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>RFC 8414 / OpenID Connect discovery metadata, the fields the broker reads.</summary>
internal sealed record AuthorizationServerMetadata(
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
