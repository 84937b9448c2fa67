namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>The client information response of RFC 7591 section 3.2.1.</summary>
internal sealed record ClientRegistrationResponse
{
    public required string ClientId { get; init; }

    public required long ClientIdIssuedAt { get; init; }

    /// <summary>Returned once, to confidential clients only; only its hash is stored.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>0: the secret does not expire. Present only with a secret.</summary>
    public long? ClientSecretExpiresAt { get; init; }

    public required IReadOnlyList<string> RedirectUris { get; init; }

    public required IReadOnlyList<string> GrantTypes { get; init; }

    public required IReadOnlyList<string> ResponseTypes { get; init; }

    public required string TokenEndpointAuthMethod { get; init; }

    public required string ClientName { get; init; }

    public string? ClientUri { get; init; }

    public string? LogoUri { get; init; }

    public required string Scope { get; init; }

    public string? SoftwareId { get; init; }

    public string? SoftwareVersion { get; init; }
}
