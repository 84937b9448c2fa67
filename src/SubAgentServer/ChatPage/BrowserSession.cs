using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>
/// The signed-in person's cookie session, accepted from the chat page's own scripts only: the request must carry
/// <c>X-Requested-With: McpSubAgent</c> (a cross-site form cannot set it, and CORS never allows credentials) and, when the
/// browser says where it comes from, <c>Sec-Fetch-Site: same-origin</c>. The principal it gives has the account id as
/// <c>sub</c>, the same user key as that person's access tokens.
/// </summary>
internal sealed class BrowserSession(IOptions<IdentityOptions> identity)
{
    public const string HeaderName = "X-Requested-With";

    public const string HeaderValue = "McpSubAgent";

    /// <summary>The person of a same-origin script request with a valid session cookie, or null.</summary>
    public async Task<ClaimsPrincipal?> AuthenticateAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!IsSameOriginScript(http.Request))
        {
            return null;
        }

        var userId = await UserIdAsync(http);
        return userId is null ? null : Principal(userId);
    }

    /// <summary>The account id of the session cookie, whatever the request (for the page itself, a top-level navigation).</summary>
    public async Task<string?> UserIdAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        return session.Succeeded ? session.Principal.FindFirst(identity.Value.ClaimsIdentity.UserIdClaimType)?.Value : null;
    }

    private static bool IsSameOriginScript(HttpRequest request)
    {
        if (!string.Equals(request.Headers[HeaderName], HeaderValue, StringComparison.Ordinal))
        {
            return false;
        }

        var site = request.Headers["Sec-Fetch-Site"];
        return site.Count == 0 || string.Equals(site, "same-origin", StringComparison.Ordinal);
    }

    private static ClaimsPrincipal Principal(string userId) => new(new ClaimsIdentity(
        [new Claim(OpenIddictConstants.Claims.Subject, userId)],
        IdentityConstants.ApplicationScheme,
        OpenIddictConstants.Claims.Subject,
        OpenIddictConstants.Claims.Role));
}
