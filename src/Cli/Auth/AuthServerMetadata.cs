using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace McpSubAgent.Cli.Auth;

/// <summary>The endpoints of the server's identity provider, from its RFC 8414 metadata.</summary>
internal sealed record AuthServerMetadata(
    Uri AuthorizationEndpoint, Uri TokenEndpoint, Uri? RegistrationEndpoint, Uri? RevocationEndpoint, Uri? DeviceAuthorizationEndpoint)
{
    public static async Task<AuthServerMetadata> DiscoverAsync(HttpClient http, Uri server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var url = new Uri(server, "/.well-known/oauth-authorization-server");
        using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException(ExitCodes.AuthError, $"{url} answered {(int)response.StatusCode}: is {server} a McpSubAgent server?");
        }

        var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false)
            ?? throw new CliException(ExitCodes.AuthError, $"{url} returned no metadata.");
        return new AuthServerMetadata(
            Required(body, "authorization_endpoint", url),
            Required(body, "token_endpoint", url),
            Optional(body, "registration_endpoint"),
            Optional(body, "revocation_endpoint"),
            Optional(body, "device_authorization_endpoint"));
    }

    private static Uri Required(JsonObject body, string name, Uri source) =>
        Optional(body, name) ?? throw new CliException(ExitCodes.AuthError, $"The metadata at {source} has no {name}.");

    private static Uri? Optional(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue(out string? s) && Uri.TryCreate(s, UriKind.Absolute, out var uri) ? uri : null;
}
