using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.IdentityProvider.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace McpSubAgent.IdentityProvider;

/// <summary>Places the identity provider in the request pipeline.</summary>
public static class IdentityProviderApplicationBuilderExtensions
{
    /// <summary>Refuses plain HTTP from other machines when HTTPS is required; call it early, after forwarded headers.</summary>
    public static IApplicationBuilder UseHttpsRequirement(this IApplicationBuilder app) =>
        app.UseMiddleware<HttpsRequirementMiddleware>();

    /// <summary>Maps the login, logout and consent pages and the token, userinfo and end-session endpoints.</summary>
    public static IEndpointRouteBuilder MapMcpIdentityProvider(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRazorPages();
        endpoints.MapTokenEndpoints();
        return endpoints;
    }
}
