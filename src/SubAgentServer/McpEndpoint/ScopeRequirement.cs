using Microsoft.AspNetCore.Authorization;
using OpenIddict.Abstractions;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>The access token must carry this scope.</summary>
internal sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>Checks the token's <c>scope</c> claim (space-separated, as OpenIddict writes it).</summary>
internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var scopes = context.User.FindAll(OpenIddictConstants.Claims.Scope).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (scopes.Contains(requirement.Scope, StringComparer.Ordinal))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
