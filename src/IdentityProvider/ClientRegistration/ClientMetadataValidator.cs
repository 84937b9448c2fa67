using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// Checks client metadata from a registration request or a client ID metadata document against what this server
/// offers MCP clients: the authorization code flow with refresh tokens, PKCE, and the MCP scopes; public clients may add
/// the device flow (RFC 8628), and a client with only the device flow needs no redirect URI.
/// </summary>
internal sealed class ClientMetadataValidator(IOptions<ClientRegistrationOptions> options)
{
    /// <summary>The most redirect URIs one client may register.</summary>
    public const int MaxRedirectUris = 20;

    /// <summary>The longest client name, client URI or logo URI kept.</summary>
    public const int MaxTextLength = 200;

    /// <summary>The name shown for a client that gives none.</summary>
    public const string DefaultClientName = "Unnamed client";

    private readonly RedirectUriPolicy _redirectUris = new(options.Value.AllowedCustomSchemes);

    /// <summary>
    /// Validates <paramref name="metadata"/>. A metadata document may only describe a public client (it cannot share
    /// a secret); a registration request without <c>token_endpoint_auth_method</c> gets RFC 7591's default,
    /// <c>client_secret_basic</c>.
    /// </summary>
    public bool TryValidate(
        ClientMetadata metadata,
        bool isMetadataDocument,
        [NotNullWhen(true)] out ValidatedClientMetadata? client,
        [NotNullWhen(false)] out ClientRegistrationError? error)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        client = null;
        var authMethod = "";
        var clientName = "";
        var isPublic = isMetadataDocument || metadata.TokenEndpointAuthMethod == ClientAuthenticationMethods.None;
        var codeFlow = metadata.GrantTypes is null || metadata.GrantTypes.Contains(GrantTypes.AuthorizationCode);

        // Clients ask for the device flow freely (VS Code always does): public ones get it, a confidential one keeps the code flow only.
        var deviceFlow = isPublic && metadata.GrantTypes?.Contains(GrantTypes.DeviceCode) == true;
        error = ValidateRedirectUris(metadata.RedirectUris, required: codeFlow, out var redirectUris)
            ?? ValidateGrantTypes(metadata.GrantTypes, isPublic)
            ?? ValidateResponseTypes(metadata.ResponseTypes)
            ?? ValidateAuthMethod(metadata, isMetadataDocument, out authMethod)
            ?? ValidateClientName(metadata.ClientName, out clientName);
        if (error is not null)
        {
            return false;
        }

        client = new ValidatedClientMetadata(
            redirectUris,
            clientName,
            Scopes(metadata.Scope),
            authMethod,
            redirectUris.Count == 0 || redirectUris.Any(uri => RedirectUriPolicy.IsNative(new Uri(uri, UriKind.Absolute))) ? ApplicationTypes.Native : ApplicationTypes.Web,
            WebUriOrNull(metadata.ClientUri),
            WebUriOrNull(metadata.LogoUri),
            Truncate(metadata.SoftwareId),
            Truncate(metadata.SoftwareVersion))
        {
            CodeFlow = codeFlow,
            DeviceFlow = deviceFlow,
        };
        return true;
    }

    private ClientRegistrationError? ValidateRedirectUris(IReadOnlyList<string?>? values, bool required, out IReadOnlyList<string> redirectUris)
    {
        redirectUris = [];
        if ((values is null || values.Count == 0) && !required)
        {
            return null;
        }

        if (values is null || values.Count == 0)
        {
            return new(ClientRegistrationError.InvalidRedirectUri, "redirect_uris is required: at least one redirect URI for the authorization code flow.");
        }

        if (values.Count > MaxRedirectUris)
        {
            return new(ClientRegistrationError.InvalidRedirectUri, $"At most {MaxRedirectUris} redirect URIs may be registered.");
        }

        // OpenIddict keeps redirect URIs in a set of Uri, where "http://127.0.0.1" and "http://127.0.0.1/" are one:
        // the first of such twins is kept, so the response lists exactly what is stored.
        var accepted = new List<string>(values.Count);
        var distinct = new HashSet<Uri>();
        foreach (var value in values)
        {
            if (!_redirectUris.IsAllowed(value, out var reason))
            {
                return new(ClientRegistrationError.InvalidRedirectUri, reason);
            }

            if (distinct.Add(new Uri(value, UriKind.Absolute)))
            {
                accepted.Add(value);
            }
        }

        redirectUris = accepted;
        return null;
    }

    private static ClientRegistrationError? ValidateGrantTypes(IReadOnlyList<string?>? values, bool isPublic)
    {
        if (values is null)
        {
            return null;
        }

        foreach (var value in values)
        {
            if (value is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken or GrantTypes.DeviceCode))
            {
                return new(ClientRegistrationError.InvalidClientMetadata,
                    $"The grant type '{value}' is not supported: clients get authorization_code and refresh_token, public clients also {GrantTypes.DeviceCode}.");
            }
        }

        if (values.Contains(GrantTypes.AuthorizationCode) || (isPublic && values.Contains(GrantTypes.DeviceCode)))
        {
            return null;
        }

        return new(ClientRegistrationError.InvalidClientMetadata, values.Contains(GrantTypes.DeviceCode)
            ? $"{GrantTypes.DeviceCode} is for public clients (token_endpoint_auth_method none); a confidential client needs authorization_code."
            : $"grant_types must include authorization_code (or, for a public client, {GrantTypes.DeviceCode}).");
    }

    private static ClientRegistrationError? ValidateResponseTypes(IReadOnlyList<string?>? values)
    {
        if (values is null)
        {
            return null;
        }

        foreach (var value in values)
        {
            if (value != ResponseTypes.Code)
            {
                return new(ClientRegistrationError.InvalidClientMetadata, $"The response type '{value}' is not supported: only code is.");
            }
        }

        return values.Count > 0 ? null : new(ClientRegistrationError.InvalidClientMetadata, "response_types must include code.");
    }

    private static ClientRegistrationError? ValidateAuthMethod(ClientMetadata metadata, bool isMetadataDocument, out string authMethod)
    {
        if (isMetadataDocument)
        {
            authMethod = ClientAuthenticationMethods.None;
            if (metadata.ClientSecret is not null)
            {
                return new(ClientRegistrationError.InvalidClientMetadata, "A client ID metadata document must not contain a client_secret.");
            }

            return metadata.TokenEndpointAuthMethod is null or ClientAuthenticationMethods.None
                ? null
                : new(ClientRegistrationError.InvalidClientMetadata,
                    $"The token endpoint auth method '{metadata.TokenEndpointAuthMethod}' is not supported for metadata documents: only none is.");
        }

        authMethod = metadata.TokenEndpointAuthMethod ?? ClientAuthenticationMethods.ClientSecretBasic;
        return authMethod is ClientAuthenticationMethods.None or ClientAuthenticationMethods.ClientSecretBasic or ClientAuthenticationMethods.ClientSecretPost
            ? null
            : new(ClientRegistrationError.InvalidClientMetadata,
                $"The token endpoint auth method '{authMethod}' is not supported: use none, client_secret_basic or client_secret_post.");
    }

    private static ClientRegistrationError? ValidateClientName(string? value, out string clientName)
    {
        clientName = string.IsNullOrWhiteSpace(value) ? DefaultClientName : value.Trim();
        if (clientName.Length > MaxTextLength)
        {
            return new(ClientRegistrationError.InvalidClientMetadata, $"client_name is longer than {MaxTextLength} characters.");
        }

        return clientName.Any(char.IsControl)
            ? new(ClientRegistrationError.InvalidClientMetadata, "client_name contains control characters.")
            : null;
    }

    // Unknown scopes are dropped; a client that asked only for unknown ones (Claude's "claudeai") gets the MCP
    // defaults rather than a client that can ask for nothing. The user still consents to each authorization.
    private static IReadOnlyList<string> Scopes(string? scope)
    {
        var requested = (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var granted = IdentityProviderScopes.ForMcpClients.Where(requested.Contains).ToArray();
        return granted.Length > 0 ? granted : IdentityProviderScopes.ForMcpClients;
    }

    // client_uri and logo_uri are shown on the consent page: only plain https links are kept, anything else is dropped
    // (RFC 7591 lets the server replace requested values).
    private static string? WebUriOrNull(string? value) =>
        value is { Length: <= MaxTextLength }
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttps
        && uri.UserInfo.Length == 0
        && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? value
            : null;

    private static string? Truncate(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Length <= MaxTextLength ? value : value[..MaxTextLength];
}
