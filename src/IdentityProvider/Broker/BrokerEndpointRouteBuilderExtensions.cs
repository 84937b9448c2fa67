using McpSubAgent.IdentityProvider.Broker.Links;
using McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;
using Microsoft.AspNetCore.Routing;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>Maps the login broker's endpoints that are not pages (those come with <c>MapMcpIdentityProvider</c>'s Razor pages).</summary>
public static class BrokerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps our client ID metadata document, <c>GET /oauth/client-metadata.json</c>, and the apps' login verification,
    /// <c>POST /connections/verify</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapDownstreamLoginBroker(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapLoginVerification();
        return endpoints.MapClientMetadataDocument();
    }
}
