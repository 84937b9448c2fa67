using System.Net.Http.Headers;
using System.Text;
using McpSubAgent.IdentityProvider.Broker.Discovery;
using McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

namespace McpSubAgent.IdentityProvider.Broker.Tokens;

/// <summary>The token endpoint calls of the broker: code exchange, refresh (RFC 6749) and revocation (RFC 7009), each with the resource (RFC 8707).</summary>
internal sealed class DownstreamTokenClient(BrokerHttp http, TimeProvider timeProvider)
{
    private const string BearerType = "Bearer";

    // A lifetime beyond any real token's, so that a server's absurd expires_in cannot overflow the date.
    private const long MaxExpiresInSeconds = 10L * 366 * 24 * 60 * 60;

    public Task<TokenResult> ExchangeCodeAsync(
        DownstreamAuthorization authorization, DownstreamClient client, string code, string codeVerifier, string redirectUri,
        CancellationToken cancellationToken) =>
        RequestTokensAsync(authorization, client, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["code_verifier"] = codeVerifier,
            ["redirect_uri"] = redirectUri,
            ["resource"] = authorization.Resource,
        }, previousRefreshToken: null, cancellationToken);

    public Task<TokenResult> RefreshAsync(
        DownstreamAuthorization authorization, DownstreamClient client, string refreshToken, CancellationToken cancellationToken) =>
        RequestTokensAsync(authorization, client, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["resource"] = authorization.Resource,
        }, refreshToken, cancellationToken);

    /// <summary>Asks the server to revoke a token; false when it has no revocation endpoint or refused.</summary>
    public async Task<bool> RevokeAsync(
        DownstreamAuthorization authorization, DownstreamClient client, string token, string tokenTypeHint, CancellationToken cancellationToken)
    {
        if (authorization.RevocationEndpoint is null)
        {
            return false;
        }

        using var request = Build(authorization.RevocationEndpoint, client, new()
        {
            ["token"] = token,
            ["token_type_hint"] = tokenTypeHint,
        });
        var (status, _) = await http.PostAsync(request, BrokerJsonContext.Default.TokenEndpointResponse, cancellationToken);
        return (int)status is >= 200 and < 300;
    }

    private async Task<TokenResult> RequestTokensAsync(
        DownstreamAuthorization authorization, DownstreamClient client, Dictionary<string, string> form, string? previousRefreshToken,
        CancellationToken cancellationToken)
    {
        using var request = Build(authorization.TokenEndpoint, client, form);
        var (status, response) = await http.PostAsync(request, BrokerJsonContext.Default.TokenEndpointResponse, cancellationToken);
        if (response is null)
        {
            return new TokenResult.Refused("invalid_response", $"The token endpoint answered HTTP {(int)status} without a token response.");
        }

        if (response.Error is not null || string.IsNullOrEmpty(response.AccessToken))
        {
            return new TokenResult.Refused(response.Error ?? "invalid_response", response.ErrorDescription);
        }

        // RFC 6749 §7.1: a token of a type we do not understand (DPoP, MAC) must not be used; we send only Bearer.
        if (response.TokenType is not null && !string.Equals(response.TokenType, BearerType, StringComparison.OrdinalIgnoreCase))
        {
            return new TokenResult.Refused("invalid_response", $"The token endpoint issued a {response.TokenType} token; only Bearer tokens can be used.");
        }

        // Some servers rotate refresh tokens, some keep them: a response without one keeps the old one.
        var tokens = new DownstreamTokens(response.AccessToken, response.RefreshToken ?? previousRefreshToken, BearerType);
        DateTimeOffset? expiresAt = response.ExpiresIn is > 0 and var seconds
            ? timeProvider.GetUtcNow().AddSeconds(Math.Min(seconds, MaxExpiresInSeconds))
            : null;
        return new TokenResult.Issued(tokens, expiresAt, response.Scope);
    }

    private static HttpRequestMessage Build(string endpoint, DownstreamClient client, Dictionary<string, string> form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        request.Headers.Accept.ParseAdd("application/json");
        switch (client.TokenEndpointAuthMethod)
        {
            case "client_secret_basic" when client.ClientSecret is not null:
                // RFC 6749 §2.3.1: both parts form-encoded before Base64.
                var credentials = $"{Uri.EscapeDataString(client.ClientId)}:{Uri.EscapeDataString(client.ClientSecret)}";
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
                break;
            case "client_secret_post" when client.ClientSecret is not null:
                form["client_id"] = client.ClientId;
                form["client_secret"] = client.ClientSecret;
                break;
            default:
                form["client_id"] = client.ClientId;
                break;
        }

        request.Content = new FormUrlEncodedContent(form);
        return request;
    }
}
