using McpSubAgent.SubAgentServer.ChatPage;
using McpSubAgent.SubAgentServer.McpEndpoint;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// The same bearer tokens and policy as <c>/mcp</c> (our identity provider's access tokens with the <c>mcp</c> scope),
/// but refusals in OpenAI's error shape, which OpenAI SDKs show to their users, instead of MCP's challenge. The chat
/// page's scripts call as the signed-in person with the session cookie instead (see <see cref="BrowserSession"/>).
/// </summary>
internal sealed class OpenAIAuthenticationFilter(IAuthorizationPolicyProvider policies, IPolicyEvaluator evaluator, BrowserSession browserSession) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;

        // The policy names its scheme (bearer tokens), so this is the same validation as /mcp's authorization middleware.
        var policy = await policies.GetPolicyAsync(McpEndpointExtensions.PolicyName)
            ?? throw new InvalidOperationException($"The authorization policy '{McpEndpointExtensions.PolicyName}' is not registered.");
        var authentication = await evaluator.AuthenticateAsync(policy, http);
        if (!authentication.Succeeded)
        {
            // A bearer token, when given, is the only credential looked at: a refused token is not rescued by a cookie.
            if (http.Request.Headers.Authorization.Count > 0 || await browserSession.AuthenticateAsync(http) is not { } person)
            {
                return OpenAIErrorResult.Unauthorized();
            }

            http.User = person;
            return await next(context);
        }

        var authorization = await evaluator.AuthorizeAsync(policy, authentication, http, resource: null);
        if (!authorization.Succeeded)
        {
            return OpenAIErrorResult.Forbidden("The access token lacks the 'mcp' scope.");
        }

        return await next(context);
    }
}
