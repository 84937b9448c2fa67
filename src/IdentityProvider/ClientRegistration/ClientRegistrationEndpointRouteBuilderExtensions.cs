using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>Maps dynamic client registration.</summary>
public static class ClientRegistrationEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST /connect/register</c> (RFC 7591) with the <see cref="ClientRegistrationOptions.RateLimiterPolicyName"/>
    /// rate limit, so the host must call <c>UseRateLimiter()</c>. Returns the endpoint for CORS and other conventions.
    /// </summary>
    public static RouteHandlerBuilder MapClientRegistration(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPost(ClientRegistrationOptions.EndpointPath, (HttpContext context, ClientRegistrationHandler handler) => handler.HandleAsync(context))
            .RequireRateLimiting(ClientRegistrationOptions.RateLimiterPolicyName)
            .AllowAnonymous()
            .WithName("ClientRegistration")
            .ExcludeFromDescription();
    }
}
