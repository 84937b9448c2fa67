namespace McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

/// <summary>An RFC 7591 registration request for our callback.</summary>
internal sealed record DynamicRegistrationRequest(
    string ClientName,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> ResponseTypes,
    string TokenEndpointAuthMethod,
    string? ClientUri,
    string? Scope);
