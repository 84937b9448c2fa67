namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// Client metadata (RFC 7591 section 2) as a registration request or a client ID metadata document carries it.
/// Members the server does not use (<c>jwks</c>, <c>contacts</c>, <c>application_type</c>, ...) are ignored.
/// </summary>
internal sealed record ClientMetadata
{
    /// <summary>The document's own URL; only client ID metadata documents carry it.</summary>
    public string? ClientId { get; init; }

    /// <summary>Must be absent from a metadata document: it cannot share a secret.</summary>
    public string? ClientSecret { get; init; }

    public IReadOnlyList<string?>? RedirectUris { get; init; }

    public string? ClientName { get; init; }

    public string? ClientUri { get; init; }

    public string? LogoUri { get; init; }

    public string? Scope { get; init; }

    public IReadOnlyList<string?>? GrantTypes { get; init; }

    public IReadOnlyList<string?>? ResponseTypes { get; init; }

    public string? TokenEndpointAuthMethod { get; init; }

    public string? SoftwareId { get; init; }

    public string? SoftwareVersion { get; init; }
}
