using System.Security.Claims;
using McpSubAgent.IdentityProvider.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.Server;

/// <summary>
/// What a person's consent turns into, the same for the authorization-code flow (<c>/connect/authorize</c>) and the
/// device flow (<c>/connect/verify</c>): the granted scopes, the principal OpenIddict signs in (subject, name, email,
/// scopes, the MCP resource as audience) and the permanent authorization it belongs to.
/// </summary>
internal static class ConsentedSignIn
{
    /// <summary>What the client asked for, with offline_access so MCP clients get refresh tokens, and mcp when it asked nothing.</summary>
    public static List<string> GrantedScopes(IEnumerable<string> requested)
    {
        var scopes = requested.Where(s => IdentityProviderScopes.ForMcpClients.Contains(s)).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count == 0)
        {
            scopes.Add(IdentityProviderScopes.Mcp);
        }

        if (!scopes.Contains(Scopes.OfflineAccess))
        {
            scopes.Add(Scopes.OfflineAccess);
        }

        return scopes;
    }

    /// <summary>A scope as the consent pages name it.</summary>
    public static string Describe(string scope) => scope switch
    {
        IdentityProviderScopes.Mcp => "run sub-agents with your connected MCP servers",
        Scopes.OfflineAccess => "stay connected when you are away (refresh tokens)",
        Scopes.Email => "see your email address",
        Scopes.Profile => "see your name",
        Scopes.OpenId => "know who you are",
        _ => scope,
    };

    /// <summary>
    /// The principal to sign in for <paramref name="user"/>, tied to <paramref name="authorization"/> when the person
    /// allowed this client and scopes before, else to a new permanent authorization.
    /// </summary>
    public static async Task<ClaimsPrincipal> CreatePrincipalAsync(
        UserManager<AppUser> users,
        IOpenIddictAuthorizationManager authorizations,
        AppUser user,
        string applicationId,
        IReadOnlyList<string> scopes,
        Uri resource,
        object? authorization,
        CancellationToken cancellationToken)
    {
        var subject = await users.GetUserIdAsync(user);
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject)
            .SetClaim(Claims.Name, await users.GetUserNameAsync(user))
            .SetClaim(Claims.Email, await users.GetEmailAsync(user));
        identity.SetScopes(scopes);
        identity.SetResources(resource.AbsoluteUri);

        var granted = authorization ?? await authorizations.CreateAsync(
            new ClaimsPrincipal(identity), subject, applicationId, AuthorizationTypes.Permanent, [.. scopes], cancellationToken);
        identity.SetAuthorizationId(await authorizations.GetIdAsync(granted, cancellationToken));
        identity.SetDestinations(TokenClaims.Destinations);
        return new ClaimsPrincipal(identity);
    }
}
