using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.IdentityProvider.ClientRegistration;
using McpSubAgent.IdentityProvider.Server;
using McpSubAgent.IdentityProvider.Throttling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace McpSubAgent.IdentityProvider;

/// <summary>Places the identity provider in the request pipeline.</summary>
public static class IdentityProviderApplicationBuilderExtensions
{
    /// <summary>Refuses plain HTTP from other machines when HTTPS is required; call it early, after forwarded headers.</summary>
    public static IApplicationBuilder UseHttpsRequirement(this IApplicationBuilder app) =>
        app.UseMiddleware<HttpsRequirementMiddleware>();

    /// <summary>
    /// Rate limits registration and sign-ins, and resolves client ID metadata documents before OpenIddict checks a client
    /// id; call it after CORS and before <c>UseAuthentication</c> (OpenIddict's endpoints run inside the authentication
    /// middleware), and after the forwarded headers middleware, which alone may change the client address.
    /// </summary>
    public static IApplicationBuilder UseMcpIdentityProvider(this IApplicationBuilder app)
    {
        app.UseRateLimiter();
        app.UseMiddleware<TokenRequestThrottlingMiddleware>();
        app.UseClientMetadataDocuments();
        return app;
    }

    /// <summary>Maps the login, logout and consent pages, dynamic client registration and the token, userinfo and end-session endpoints.</summary>
    public static IEndpointRouteBuilder MapMcpIdentityProvider(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRazorPages();
        endpoints.MapClientRegistration();
        endpoints.MapTokenEndpoints();
        return endpoints;
    }
}
