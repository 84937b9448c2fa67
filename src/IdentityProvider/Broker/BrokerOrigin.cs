using McpSubAgent.IdentityProvider.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>
/// The base URL that login links, our callback and our client metadata document are built on. Runs outside a request
/// (task workers) need it too: <c>PublicBaseUrl</c> when set, else the current request's origin, else the first address
/// the server listens on (local setups). Production deployments set <c>PublicBaseUrl</c>.
/// </summary>
internal sealed class BrokerOrigin(
    PublicOrigin publicOrigin, IHttpContextAccessor httpContextAccessor, IServer server, IOptions<BrokerOptions> options)
{
    public Uri BaseUri
    {
        get
        {
            if (publicOrigin.ConfiguredBaseUri is { } configured)
            {
                return configured;
            }

            if (httpContextAccessor.HttpContext?.Request is { } request)
            {
                return publicOrigin.BaseUri(request);
            }

            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Set PublicBaseUrl: the login broker needs the server's public URL for its links.");
            var local = address.Replace("://+", "://localhost", StringComparison.Ordinal)
                .Replace("://*", "://localhost", StringComparison.Ordinal)
                .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
                .Replace("://[::]", "://localhost", StringComparison.Ordinal);
            return new Uri(local.EndsWith('/') ? local : local + "/");
        }
    }

    /// <summary>The redirect URI of every downstream login.</summary>
    public Uri CallbackUri => new(BaseUri, "connections/callback");

    /// <summary>Our client ID metadata document: its URL is our <c>client_id</c> where the server supports that.</summary>
    public Uri ClientMetadataUri => options.Value.ClientMetadataDocumentUrl ?? new(BaseUri, "oauth/client-metadata.json");

    public Uri LoginLink(string secret) => new(BaseUri, $"connections/login/{secret}");
}
