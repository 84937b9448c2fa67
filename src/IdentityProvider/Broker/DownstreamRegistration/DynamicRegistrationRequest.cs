namespace McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

/// <summary>
/// An RFC 7591 registration request for our callback. Ours, not the MCP SDK's <c>DynamicClientRegistrationRequest</c>:
/// that one is internal in ModelContextProtocol 2.3.1.
/// </summary>
internal sealed record DynamicRegistrationRequest(
    string ClientName,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> ResponseTypes,
    string TokenEndpointAuthMethod,
    string? ClientUri,
    string? Scope);
