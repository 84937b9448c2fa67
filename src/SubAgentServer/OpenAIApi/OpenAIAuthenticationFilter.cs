using McpSubAgent.SubAgentServer.McpEndpoint;
using Microsoft.AspNetCore.Authorization;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// The same bearer tokens and policy as <c>/mcp</c> (our identity provider's access tokens with the <c>mcp</c> scope),
/// but refusals in OpenAI's error shape, which OpenAI SDKs show to their users, instead of MCP's challenge.
/// </summary>
internal sealed class OpenAIAuthenticationFilter(IAuthorizationService authorization) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var user = context.HttpContext.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return OpenAIErrorResult.Unauthorized();
        }

        var allowed = await authorization.AuthorizeAsync(user, McpEndpointExtensions.PolicyName);
        if (!allowed.Succeeded)
        {
            return OpenAIErrorResult.Forbidden("The access token lacks the 'mcp' scope.");
        }

        return await next(context);
    }
}
