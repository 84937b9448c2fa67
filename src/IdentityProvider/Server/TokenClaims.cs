using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.Server;

/// <summary>Which token each claim goes into.</summary>
internal static class TokenClaims
{
    public static IEnumerable<string> Destinations(Claim claim)
    {
        switch (claim.Type)
        {
            case Claims.Name when claim.Subject?.HasScope(Scopes.Profile) == true:
            case Claims.Email when claim.Subject?.HasScope(Scopes.Email) == true:
                yield return OpenIddictConstants.Destinations.AccessToken;
                yield return OpenIddictConstants.Destinations.IdentityToken;
                break;
            case Claims.Name or Claims.Email:
                yield return OpenIddictConstants.Destinations.AccessToken;
                break;

            // The security stamp never leaves the server.
            case "AspNet.Identity.SecurityStamp":
                break;
            default:
                yield return OpenIddictConstants.Destinations.AccessToken;
                break;
        }
    }
}
