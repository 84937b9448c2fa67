using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.IdentityProvider.Broker.Links;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.IdentityProvider.Pages.Connections;

/// <summary>
/// A login link: sends the browser on to the downstream server's authorization page, or says why it cannot. A link
/// made for an account of ours is completed only by that account, signed in: anyone else who opens it (a person phished
/// into it) would otherwise connect their own downstream account to the link's owner.
/// </summary>
internal sealed class LoginModel(LoginFlows flows, IAuthenticationSchemeProvider schemes) : PageModel
{
    private enum Holder
    {
        /// <summary>The link is an app end user's (no account here), or the browser is signed in as its owner.</summary>
        Owner,
        NotSignedIn,
        SomeoneElse,
    }

    public LoginPageResult.Failed? Failure { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? link)
    {
        // Model binding makes a link of only whitespace null; no link is that.
        if (string.IsNullOrWhiteSpace(link))
        {
            return NotFound();
        }

        switch (await HolderAsync(link))
        {
            case Holder.NotSignedIn:
                // Sign in first, then back to this link (the login page accepts only local return URLs).
                return Challenge(new AuthenticationProperties { RedirectUri = Request.PathBase + Request.Path }, IdentityConstants.ApplicationScheme);

            case Holder.SomeoneElse:
                Failure = new LoginPageResult.Failed("This login link is for another account",
                    "You are signed in here as someone else than the person this link was made for: completing it would connect your " +
                    "account at that server to theirs. Sign out first (/account/logout), or pass the link to its owner.",
                    StatusCodes.Status403Forbidden);
                break;

            default:
                var result = await flows.StartAsync(link, LoginBrowserCookie.GetOrCreate(HttpContext), HttpContext.RequestAborted);
                if (result is LoginPageResult.RedirectTo redirect)
                {
                    return Redirect(redirect.Url.AbsoluteUri);
                }

                Failure = (LoginPageResult.Failed)result;
                break;
        }

        Response.StatusCode = Failure.StatusCode;
        return Page();
    }

    /// <summary>
    /// Who holds the browser relative to the link's owner. Links of app end users (<c>{client_id}:{user}</c>) and unknown
    /// links belong to no local account and are not checked here. The broker may run in a host without accounts, so
    /// their services are optional.
    /// </summary>
    private async Task<Holder> HolderAsync(string link)
    {
        if (await schemes.GetSchemeAsync(IdentityConstants.ApplicationScheme) is null
            || HttpContext.RequestServices.GetService<UserManager<AppUser>>() is not { } users
            || await flows.OwnerAsync(link, HttpContext.RequestAborted) is not { } owner
            || await users.FindByIdAsync(owner) is null)
        {
            return Holder.Owner;
        }

        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var signedIn = session.Succeeded ? users.GetUserId(session.Principal!) : null;
        return signedIn is null ? Holder.NotSignedIn : signedIn == owner ? Holder.Owner : Holder.SomeoneElse;
    }
}
