using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace McpSubAgent.Cli.Auth;

/// <summary>
/// Registers the CLI at the server's identity provider (RFC 7591) as one public client for both ways of signing in:
/// the browser with the port-less loopback redirect (which our identity provider matches on any port) and the device flow.
/// </summary>
internal sealed class ClientRegistrar(HttpClient http)
{
    /// <summary>The redirect registered; the port is added per sign-in.</summary>
    public const string RegisteredRedirectUri = "http://127.0.0.1/callback";

    /// <summary>
    /// The stored client when it was registered at this token endpoint with <paramref name="grantType"/> (clients stored
    /// before grant types were kept have the code flow only), else a newly registered one.
    /// </summary>
    public async Task<ServerCredentials> ClientAsync(AuthServerMetadata metadata, ServerCredentials? previous, string grantType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var grants = previous?.GrantTypes ?? ["authorization_code", "refresh_token"];
        if (previous is not null && previous.TokenEndpoint == metadata.TokenEndpoint && grants.Contains(grantType))
        {
            return previous with { RevocationEndpoint = metadata.RevocationEndpoint };
        }

        if (metadata.RegistrationEndpoint is null)
        {
            throw new CliException(ExitCodes.AuthError, "The server's identity provider offers no client registration.");
        }

        using var response = await http.PostAsJsonAsync(metadata.RegistrationEndpoint, new JsonObject
        {
            ["client_name"] = "mcpsubagent CLI",
            ["redirect_uris"] = new JsonArray(RegisteredRedirectUri),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token", TokenClient.DeviceCodeGrantType),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = "none",
        }, cancellationToken).ConfigureAwait(false);
        var body = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false) : null;
        var clientId = (string?)body?["client_id"]
            ?? throw new CliException(ExitCodes.AuthError, $"Registering the CLI at {metadata.RegistrationEndpoint} failed with HTTP {(int)response.StatusCode}.");
        var granted = body!["grant_types"] is JsonArray list ? list.Select(g => (string?)g).OfType<string>().ToList() : ["authorization_code", "refresh_token"];
        if (!granted.Contains(grantType))
        {
            throw new CliException(ExitCodes.AuthError, grantType == TokenClient.DeviceCodeGrantType
                ? "The server's identity provider did not give the CLI the device flow: sign in with 'mcpsubagent login' (browser) instead."
                : $"The server's identity provider did not give the CLI the {grantType} grant.");
        }

        return new ServerCredentials
        {
            ClientId = clientId,
            TokenEndpoint = metadata.TokenEndpoint,
            RevocationEndpoint = metadata.RevocationEndpoint,
            GrantTypes = granted,
        };
    }
}
