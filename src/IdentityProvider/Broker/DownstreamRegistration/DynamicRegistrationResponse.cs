namespace McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

/// <summary>The fields of an RFC 7591 registration response the broker keeps.</summary>
internal sealed record DynamicRegistrationResponse(
    string? ClientId,
    string? ClientSecret,
    string? TokenEndpointAuthMethod,
    long? ClientSecretExpiresAt);
