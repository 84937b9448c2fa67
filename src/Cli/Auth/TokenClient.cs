using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpSubAgent.Cli.Auth;

/// <summary>The token endpoint calls of a public client: redeeming a code, polling with a device code, refreshing, revoking.</summary>
internal sealed class TokenClient(HttpClient http, TimeProvider timeProvider)
{
    public const string DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";

    public Task<ServerCredentials> RedeemCodeAsync(ServerCredentials client, string code, string verifier, Uri redirectUri, CancellationToken cancellationToken) =>
        RequestAsync(client, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = client.ClientId,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
        }, cancellationToken);

    /// <summary>One poll of the device flow (RFC 8628 §3.4): the tokens, or the OAuth error (authorization_pending, slow_down, ...).</summary>
    public Task<TokenResponse> PollDeviceCodeAsync(ServerCredentials client, string deviceCode, CancellationToken cancellationToken) =>
        ExchangeAsync(client, new Dictionary<string, string>
        {
            ["grant_type"] = DeviceCodeGrantType,
            ["client_id"] = client.ClientId,
            ["device_code"] = deviceCode,
        }, cancellationToken);

    public Task<ServerCredentials> RefreshAsync(ServerCredentials client, CancellationToken cancellationToken) =>
        RequestAsync(client, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = client.ClientId,
            ["refresh_token"] = client.RefreshToken ?? throw new CliException(ExitCodes.AuthError, "No refresh token is stored: run 'mcpsubagent login'."),
        }, cancellationToken);

    /// <summary>Revokes the refresh token; a server that cannot be reached only costs the server-side cleanup.</summary>
    public async Task<bool> RevokeAsync(ServerCredentials client, CancellationToken cancellationToken)
    {
        if (client.RevocationEndpoint is null || client.RefreshToken is null)
        {
            return false;
        }

        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = client.ClientId,
            ["token"] = client.RefreshToken,
            ["token_type_hint"] = "refresh_token",
        });
        try
        {
            using var response = await http.PostAsync(client.RevocationEndpoint, content, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<ServerCredentials> RequestAsync(ServerCredentials client, Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        var response = await ExchangeAsync(client, form, cancellationToken).ConfigureAwait(false);
        return response.Tokens
            ?? throw new CliException(ExitCodes.AuthError, $"The sign-in server refused the token request ({response.Description ?? response.Error}): run 'mcpsubagent login'.");
    }

    private async Task<TokenResponse> ExchangeAsync(ServerCredentials client, Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await http.PostAsync(client.TokenEndpoint, content, cancellationToken).ConfigureAwait(false);
        JsonObject? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (!response.IsSuccessStatusCode || body?["access_token"] is not JsonValue accessToken)
        {
            var error = (string?)body?["error"] ?? $"HTTP {(int)response.StatusCode}";
            return new TokenResponse(null, error, (string?)body?["error_description"]);
        }

        var expiresIn = body["expires_in"] is JsonValue e && e.TryGetValue(out int seconds) ? seconds : 0;
        return new TokenResponse(client with
        {
            AccessToken = accessToken.GetValue<string>(),
            AccessTokenExpiresAt = expiresIn > 0 ? timeProvider.GetUtcNow().AddSeconds(expiresIn) : null,

            // Refresh tokens rotate: the new one replaces the old, which no longer works.
            RefreshToken = (string?)body["refresh_token"] ?? client.RefreshToken,
        }, null, null);
    }
}
