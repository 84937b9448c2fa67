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
    /// <summary>The grant types every registered client gets.</summary>
    public static IReadOnlyList<string> GrantTypes { get; } = [OpenIddictConstants.GrantTypes.AuthorizationCode, OpenIddictConstants.GrantTypes.RefreshToken];

    /// <summary>The response types every registered client gets.</summary>
    public static IReadOnlyList<string> ResponseTypes { get; } = [OpenIddictConstants.ResponseTypes.Code];

    /// <summary>Whether the client authenticates with a secret at the token endpoint.</summary>
    public bool IsConfidential => TokenEndpointAuthMethod != ClientAuthenticationMethods.None;

    /// <summary>
    /// The application to store: endpoints, grants and scopes of an MCP client, the MCP resource, PKCE required,
    /// explicit consent, and the <see cref="ClientOrigin"/> that lets the consent page mark it unverified.
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
            Permissions.Endpoints.Authorization,
            Permissions.Endpoints.Token,
            Permissions.Endpoints.Revocation,
            Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.AuthorizationCode,
            Permissions.GrantTypes.RefreshToken,
            Permissions.ResponseTypes.Code,
            Permissions.Prefixes.Resource + mcpResource.AbsoluteUri,
        ]);
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
