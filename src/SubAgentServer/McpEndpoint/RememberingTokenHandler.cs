using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// Validates access tokens with <see cref="JsonWebTokenHandler"/> and remembers a valid token's identity until it
/// expires, at most <see cref="TokenValidationOptions.RevocationCheckInterval"/>: a client sends the same token on every
/// request, and parsing it and checking its RSA signature again was a third of an authenticated request. Issuer,
/// audience and revocation are still checked on every request (<c>OnTokenValidated</c>).
/// </summary>
internal sealed class RememberingTokenHandler(TimeProvider timeProvider, IOptions<TokenValidationOptions> options) : TokenHandler
{
    private readonly JsonWebTokenHandler _inner = new() { MapInboundClaims = false };
    private readonly ExpiringCache<(ClaimsIdentity Identity, SecurityToken Token)> _valid = new(timeProvider);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_valid.TryGet(token, out var known))
        {
            // A copy: the remembered identity is never handed to a request, which may change its own.
            return new TokenValidationResult { IsValid = true, ClaimsIdentity = known.Identity.Clone(), SecurityToken = known.Token };
        }

        var result = await _inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } validated && result.ClaimsIdentity is { } identity)
        {
            var settings = options.Value;
            var expires = new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc));
            var until = timeProvider.GetUtcNow() + settings.RevocationCheckInterval;
            _valid.Set(token, (identity.Clone(), validated), expires < until ? expires : until, settings.MaxRememberedTokens);
        }

        return result;
    }

    public override SecurityToken ReadToken(string token) => _inner.ReadToken(token);
}
