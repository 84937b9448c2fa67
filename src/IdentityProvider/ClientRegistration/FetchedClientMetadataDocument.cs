namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>A client ID metadata document as fetched, with how long it may be reused.</summary>
internal sealed record FetchedClientMetadataDocument(ClientMetadata Metadata, TimeSpan CacheDuration);
