using System.Security.Claims;
using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.IdentityProvider.ClientRegistration;
using McpSubAgent.IdentityProvider.Server;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider.Pages.Connect;

/// <summary>
/// The authorization endpoint (OpenIddict passthrough): signs the person in, asks for consent once per client and
/// scopes, and issues the code with the MCP resource as the audience.
/// </summary>
public sealed class AuthorizeModel(
    UserManager<AppUser> userManager,
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    PublicOrigin origin) : PageModel
{
    public string ClientName { get; private set; } = "";

    public string RedirectHost { get; private set; } = "";

    public bool Unverified { get; private set; }

    public IReadOnlyList<string> ScopeDescriptions { get; private set; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; private set; } = [];

    public Task<IActionResult> OnGetAsync() => HandleAsync(decision: null);

    public Task<IActionResult> OnPostAsync([FromForm] string? decision) => HandleAsync(decision ?? "");

    private async Task<IActionResult> HandleAsync(string? decision)
    {
        var request = HttpContext.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict request is missing: this page runs only as the authorization endpoint.");

        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await userManager.GetUserAsync(session.Principal) : null;
        if (user is null || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not signed in.");
            }

            // Back here after the login page, with the same parameters (minus prompt=login, to avoid a loop).
            var parameters = request.GetParameters()
                .Where(p => p.Key != OpenIddictConstants.Parameters.Prompt)
                .SelectMany(p => Values(p.Value).Select(v => KeyValuePair.Create(p.Key, (string?)v)));
            var returnUrl = Request.PathBase + Request.Path + Microsoft.AspNetCore.Http.QueryString.Create(parameters);
            return Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, IdentityConstants.ApplicationScheme);
        }

        var resource = origin.McpResource(Request);
        if (request.GetResources().Any(r => !McpResources.Matches(r, resource)))
        {
            return Refuse(Errors.InvalidTarget, $"The only resource of this server is {resource}.");
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, HttpContext.RequestAborted)
            ?? throw new InvalidOperationException("OpenIddict validated a client that does not exist.");
        var applicationId = await applications.GetIdAsync(application, HttpContext.RequestAborted);
        var subject = await userManager.GetUserIdAsync(user);
        var scopes = ConsentedSignIn.GrantedScopes(request.GetScopes());

        var remembered = new List<object>();
        await foreach (var authorization in authorizations.FindAsync(subject, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, [.. scopes], HttpContext.RequestAborted))
        {
            remembered.Add(authorization);
        }

        if (decision == "deny")
        {
            return Refuse(Errors.AccessDenied, "The user denied access.");
        }

        if (decision != "allow" && (remembered.Count == 0 || request.HasPromptValue(PromptValues.Consent)))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.ConsentRequired, "The user has not allowed this client yet.");
            }

            await ShowConsentAsync(request, application, scopes);
            return Page();
        }

        var principal = await ConsentedSignIn.CreatePrincipalAsync(
            userManager, authorizations, user, applicationId!, scopes, resource, remembered.LastOrDefault(), HttpContext.RequestAborted);
        return SignIn(principal, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private async Task ShowConsentAsync(OpenIddictRequest request, object application, IReadOnlyList<string> scopes)
    {
        ClientName = await applications.GetLocalizedDisplayNameAsync(application, HttpContext.RequestAborted)
            ?? await applications.GetClientIdAsync(application, HttpContext.RequestAborted) ?? "An application";
        RedirectHost = Uri.TryCreate(request.RedirectUri, UriKind.Absolute, out var redirect)
            ? (redirect.IsDefaultPort ? redirect.Host : $"{redirect.Host}:{redirect.Port}")
            : "";
        Unverified = ClientOrigin.IsUnverified(await ClientOrigin.GetAsync(applications, application, HttpContext.RequestAborted));
        ScopeDescriptions = [.. scopes.Select(ConsentedSignIn.Describe)];
        Parameters = [.. request.GetParameters()
            .Where(p => p.Key is not ("decision" or "__RequestVerificationToken"))
            .SelectMany(p => Values(p.Value).Select(v => KeyValuePair.Create(p.Key, v)))];
    }

    private static IEnumerable<string> Values(OpenIddictParameter parameter) =>
        ((Microsoft.Extensions.Primitives.StringValues)parameter).OfType<string>();

    private ForbidResult Refuse(string error, string description) => Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
}
