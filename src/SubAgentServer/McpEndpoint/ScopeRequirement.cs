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
        if (context.User.HasClaim(claim => claim.Type == OpenIddictConstants.Claims.Scope && ContainsScope(claim.Value, requirement.Scope)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    // Runs on every authenticated request: looks through the space-separated list without splitting it into strings.
    private static bool ContainsScope(string scopes, string scope)
    {
        foreach (var range in scopes.AsSpan().Split(' '))
        {
            if (scopes.AsSpan(range).SequenceEqual(scope))
            {
                return true;
            }
        }

        return false;
    }
}
