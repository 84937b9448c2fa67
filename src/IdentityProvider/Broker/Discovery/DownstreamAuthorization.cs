namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>
/// What discovery found about how to log in to one downstream MCP server: the resource indicator (RFC 8707) its
/// protected-resource metadata names, its authorization server's issuer and endpoints, and the scope to ask for (the
/// server's challenge, else its <c>scopes_supported</c>, else none).
/// </summary>
internal sealed record DownstreamAuthorization(
    string Resource,
    string Issuer,
    string AuthorizationEndpoint,
    string TokenEndpoint,
    string? RevocationEndpoint,
    string? RegistrationEndpoint,
    bool ClientIdMetadataDocumentSupported,
    IReadOnlyList<string> TokenEndpointAuthMethods,
    bool IssParameterSupported,
    string? Scope);
