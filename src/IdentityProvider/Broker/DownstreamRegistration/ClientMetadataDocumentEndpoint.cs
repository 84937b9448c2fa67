using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

/// <summary>Serves our client ID metadata document, whose URL is our <c>client_id</c> at servers that support such documents.</summary>
internal static class ClientMetadataDocumentEndpoint
{
    public const string Path = "/oauth/client-metadata.json";

    /// <summary>Maps <c>GET /oauth/client-metadata.json</c>.</summary>
    public static IEndpointRouteBuilder MapClientMetadataDocument(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (HttpContext context, BrokerOrigin origin, IOptions<BrokerOptions> options) =>
        {
            // Servers cache the document; an hour keeps a changed name or callback from lingering long.
            context.Response.Headers.CacheControl = "public, max-age=3600";
            var document = new ClientMetadataDocument(
                origin.ClientMetadataUri.AbsoluteUri,
                options.Value.ClientName,
                origin.BaseUri.AbsoluteUri,
                [origin.CallbackUri.AbsoluteUri],
                ["authorization_code", "refresh_token"],
                ["code"],
                "none");
            return TypedResults.Json(document, BrokerJsonContext.Default.ClientMetadataDocument);
        }).ExcludeFromDescription();
        return endpoints;
    }
}
