using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>Client metadata that passed <see cref="ClientMetadataValidator"/>, ready to become an OpenIddict application.</summary>
internal sealed record ValidatedClientMetadata(
    IReadOnlyList<string> RedirectUris,
    string ClientName,
    IReadOnlyList<string> Scopes,
    string TokenEndpointAuthMethod,
    string ApplicationType,
    string? ClientUri,
    string? LogoUri,
    string? SoftwareId,
    string? SoftwareVersion)
{
    /// <summary>Whether the client gets the authorization code flow (every client but a device-only one).</summary>
    public bool CodeFlow { get; init; } = true;

    /// <summary>Whether the client gets the device flow (RFC 8628): public clients that asked for it.</summary>
    public bool DeviceFlow { get; init; }

    /// <summary>The grant types the client gets; refresh tokens come with either flow.</summary>
    public IReadOnlyList<string> GrantTypes =>
    [
        .. CodeFlow ? [OpenIddictConstants.GrantTypes.AuthorizationCode] : Array.Empty<string>(),
        .. DeviceFlow ? [OpenIddictConstants.GrantTypes.DeviceCode] : Array.Empty<string>(),
        OpenIddictConstants.GrantTypes.RefreshToken,
    ];

    /// <summary>The response types the client gets: code with the code flow, none for a device-only client.</summary>
    public IReadOnlyList<string> ResponseTypes => CodeFlow ? [OpenIddictConstants.ResponseTypes.Code] : [];

    /// <summary>Whether the client authenticates with a secret at the token endpoint.</summary>
    public bool IsConfidential => TokenEndpointAuthMethod != ClientAuthenticationMethods.None;

    /// <summary>
    /// The application to store: endpoints, grants (the code flow, the device flow or both) and scopes of an MCP client,
    /// the MCP resource, PKCE required (for the code flow), explicit consent, and the <see cref="ClientOrigin"/> that lets the consent page mark it unverified.
    /// </summary>
    public OpenIddictApplicationDescriptor ToDescriptor(string clientId, string? clientSecret, Uri mcpResource, string origin)
    {
        ArgumentNullException.ThrowIfNull(mcpResource);
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            ClientType = IsConfidential ? ClientTypes.Confidential : ClientTypes.Public,
            ApplicationType = ApplicationType,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = ClientName,
        };

        foreach (var uri in RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        descriptor.Permissions.UnionWith(
        [
            Permissions.Endpoints.Token,
            Permissions.Endpoints.Revocation,
            Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.RefreshToken,
            Permissions.Prefixes.Resource + mcpResource.AbsoluteUri,
        ]);
        if (CodeFlow)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code]);
        }

        if (DeviceFlow)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.DeviceAuthorization, Permissions.GrantTypes.DeviceCode]);
        }

        descriptor.Permissions.UnionWith(Scopes.Select(scope => Permissions.Prefixes.Scope + scope));
        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);

        ClientOrigin.Set(descriptor, origin);
        SetProperty(descriptor, "client_uri", ClientUri);
        SetProperty(descriptor, "logo_uri", LogoUri);
        SetProperty(descriptor, "software_id", SoftwareId);
        SetProperty(descriptor, "software_version", SoftwareVersion);
        return descriptor;
    }

    private static void SetProperty(OpenIddictApplicationDescriptor descriptor, string name, string? value)
    {
        if (value is not null)
        {
            descriptor.Properties[name] = System.Text.Json.JsonSerializer.SerializeToElement(value, RegistrationJsonContext.Default.String);
        }
    }
}
