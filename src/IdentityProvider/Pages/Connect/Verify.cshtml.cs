using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.IdentityProvider.ClientRegistration;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.IdentityProvider.Server;
using McpSubAgent.IdentityProvider.Throttling;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.Pages.Connect;

/// <summary>
/// The end-user verification endpoint of the device flow (RFC 8628, OpenIddict passthrough): the signed-in person types
/// the user code their device shows (or arrives with it from <c>verification_uri_complete</c>), sees which registered
/// client asks for which scopes, and allows or denies. Allowing signs the device request in exactly as consent does for
/// the code flow. Each code checked counts against the person and address, and each wrong one is a failed sign-in of the
/// address (<see cref="SignInThrottle"/>), so user codes cannot be guessed at speed.
/// </summary>
[EnableRateLimiting(SignInRateLimiterPolicy.LoginPolicyName)]
internal sealed class VerifyModel(
    UserManager<AppUser> users,
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    PublicOrigin origin,
    SignInThrottle throttle) : PageModel
{
    public const string InvalidCode = "This code is not valid or has expired. Check the code your device shows and enter it again, or start the sign-in on the device again.";

    private const int MaxUserCodeLength = 64;

    /// <summary>The user code as OpenIddict formats it, once it was found.</summary>
    public string? UserCode { get; private set; }

    public string ClientName { get; private set; } = "";

    public bool Unverified { get; private set; }

    public IReadOnlyList<string> ScopeDescriptions { get; private set; } = [];

    public string? Error { get; private set; }

    /// <summary><c>approved</c> or <c>denied</c> after a decision (the redirect back here says which).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Outcome { get; set; }

    public Task<IActionResult> OnGetAsync() => HandleAsync(decision: null);

    public Task<IActionResult> OnPostAsync([FromForm] string? decision) => HandleAsync(decision ?? "");

    private async Task<IActionResult> HandleAsync(string? decision)
    {
        var request = HttpContext.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict request is missing: this page runs only as the end-user verification endpoint.");

        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await users.GetUserAsync(session.Principal) : null;
        if (user is null)
        {
            // Back here after the login page, with the code of verification_uri_complete still in the URL.
            return Challenge(new AuthenticationProperties { RedirectUri = Request.PathBase + Request.Path + Request.QueryString }, IdentityConstants.ApplicationScheme);
        }

        Outcome = Outcome is "approved" or "denied" ? Outcome : null;
        if (string.IsNullOrWhiteSpace(request.UserCode))
        {
            return Page();
        }

        Outcome = null;
        var address = Throttling.ClientAddress.Of(HttpContext);
        if ((throttle.Backoff(address) ?? throttle.AcquireForAccount("verify", await users.GetUserIdAsync(user), address)) is { } wait)
        {
            await TooManyAttempts.WriteAsync(HttpContext, oauthError: false, wait, "from this address");
            return new EmptyResult();
        }

        // OpenIddict looks the code up only now, once the throttle let the attempt through.
        var result = request.UserCode.Length <= MaxUserCodeLength
            ? await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)
            : AuthenticateResult.NoResult();
        var clientId = result.Succeeded ? result.Principal.GetClaim(Claims.ClientId) : null;
        var application = string.IsNullOrEmpty(clientId) ? null : await applications.FindByClientIdAsync(clientId, HttpContext.RequestAborted);
        if (application is null)
        {
            throttle.RecordFailure(address);
            Error = InvalidCode;
            return Page();
        }

        var resource = origin.McpResource(Request);
        if (result.Principal!.GetResources().Any(r => !McpResources.Matches(r, resource)))
        {
            Error = $"The device asks for access to another server than this one ({resource}); it cannot be allowed here.";
            return Page();
        }

        var scopes = ConsentedSignIn.GrantedScopes(result.Principal!.GetScopes());
        if (decision == "deny")
        {
            // OpenIddict marks the device request denied: the device's next poll gets access_denied.
            return Forbid(new AuthenticationProperties { RedirectUri = "/connect/verify?outcome=denied" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (decision == "allow")
        {
            var applicationId = await applications.GetIdAsync(application, HttpContext.RequestAborted);
            var principal = await ConsentedSignIn.CreatePrincipalAsync(
                users, authorizations, user, applicationId!, scopes, resource, authorization: null, HttpContext.RequestAborted);
            return SignIn(principal, new AuthenticationProperties { RedirectUri = "/connect/verify?outcome=approved" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        // Always asked: the code may have been typed from someone else's device (a phishing attempt), so no consent is remembered here.
        UserCode = result.Properties?.GetTokenValue(OpenIddictServerAspNetCoreConstants.Tokens.UserCode) ?? request.UserCode;
        ClientName = await applications.GetLocalizedDisplayNameAsync(application, HttpContext.RequestAborted) ?? clientId!;
        Unverified = ClientOrigin.IsUnverified(await ClientOrigin.GetAsync(applications, application, HttpContext.RequestAborted));
        ScopeDescriptions = [.. scopes.Select(ConsentedSignIn.Describe)];
        return Page();
    }
}
