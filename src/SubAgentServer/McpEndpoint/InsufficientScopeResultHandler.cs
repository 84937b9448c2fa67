using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// A signed-in caller whose token lacks the needed scope gets 403 with <c>error="insufficient_scope"</c> and the scope
/// to ask for (RFC 6750 §3.1), so that an MCP client can ask the user for the wider grant.
/// </summary>
internal sealed class InsufficientScopeResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var missing = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault();
        if (authorizeResult.Forbidden && missing is not null)
        {
            var origin = context.RequestServices.GetRequiredService<McpSubAgent.IdentityProvider.Hosting.PublicOrigin>();
            var metadata = new Uri(origin.BaseUri(context.Request), McpEndpointExtensions.ResourceMetadataPath.TrimStart('/')).AbsoluteUri;
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.Headers.WWWAuthenticate =
                $"Bearer error=\"insufficient_scope\", scope=\"{missing.Scope}\", resource_metadata=\"{metadata}\", error_description=\"The token lacks the {missing.Scope} scope.\"";
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
