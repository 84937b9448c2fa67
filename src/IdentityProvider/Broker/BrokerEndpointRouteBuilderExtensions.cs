using McpSubAgent.IdentityProvider.Broker.Registration;
using Microsoft.AspNetCore.Routing;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>Maps the login broker's endpoints that are not pages (those come with <c>MapMcpIdentityProvider</c>'s Razor pages).</summary>
public static class BrokerEndpointRouteBuilderExtensions
{
    /// <summary>Maps our client ID metadata document, <c>GET /oauth/client-metadata.json</c>.</summary>
    public static IEndpointRouteBuilder MapDownstreamLoginBroker(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapClientMetadataDocument();
    }
}
