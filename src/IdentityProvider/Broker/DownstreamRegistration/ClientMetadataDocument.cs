namespace McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

/// <summary>
/// Our client ID metadata document (served at <c>/oauth/client-metadata.json</c>): downstream authorization servers that
/// support client ID metadata documents take its URL as our <c>client_id</c> and need no registration.
/// </summary>
internal sealed record ClientMetadataDocument(
    string ClientId,
    string ClientName,
    string ClientUri,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> ResponseTypes,
    string TokenEndpointAuthMethod);
