using McpSubAgent.IdentityProvider.Keys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace McpSubAgent.IdentityProvider.Server;

/// <summary>Gives OpenIddict the persisted keys and the configured lifetimes.</summary>
internal sealed class IdentityProviderServerOptionsSetup<TContext>(
    IdentityProviderKeyStore<TContext> keys,
    IOptions<IdentityProviderOptions> options,
    IOptions<Hosting.PublicOriginOptions> origin) : IConfigureOptions<OpenIddictServerOptions>
    where TContext : DbContext, IIdentityProviderKeyContext
{
    public void Configure(OpenIddictServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var settings = options.Value;
        server.SigningCredentials.Add(new SigningCredentials(keys.SigningKey, SecurityAlgorithms.RsaSha256));
        server.EncryptionCredentials.Add(new EncryptingCredentials(keys.EncryptionKey, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        server.AccessTokenLifetime = settings.AccessTokenLifetime;
        server.RefreshTokenLifetime = settings.RefreshTokenLifetime;
        server.AuthorizationCodeLifetime = settings.AuthorizationCodeLifetime;

        // The person types the user code while the device polls with the device code: both live equally long.
        server.DeviceCodeLifetime = settings.DeviceCodeLifetime;
        server.UserCodeLifetime = settings.DeviceCodeLifetime;
        if (!string.IsNullOrWhiteSpace(origin.Value.PublicBaseUrl))
        {
            var baseUrl = origin.Value.PublicBaseUrl.Trim();
            server.Issuer = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute);
        }
    }
}
