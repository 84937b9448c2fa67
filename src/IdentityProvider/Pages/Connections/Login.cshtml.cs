using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.IdentityProvider.Broker.Links;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.IdentityProvider.Pages.Connections;

/// <summary>A login link: sends the browser on to the downstream server's authorization page, or says why it cannot.</summary>
internal sealed class LoginModel(LoginFlows flows, IAuthenticationSchemeProvider schemes) : PageModel
{
    public LoginPageResult.Failed? Failure { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? link)
    {
        // Model binding makes a link of only whitespace null; no link is that.
        if (string.IsNullOrWhiteSpace(link))
        {
            return NotFound();
        }

        if (await SignedInAsSomeoneElseAsync(link))
        {
            Failure = new LoginPageResult.Failed("This login link is for another account",
                "You are signed in here as someone else than the person this link was made for: completing it would connect your " +
                "account at that server to theirs. Sign out first (/account/logout), or pass the link to its owner.",
                StatusCodes.Status403Forbidden);
        }
        else
        {
            var result = await flows.StartAsync(link, HttpContext.RequestAborted);
            if (result is LoginPageResult.RedirectTo redirect)
            {
                return Redirect(redirect.Url.AbsoluteUri);
            }

            Failure = (LoginPageResult.Failed)result;
        }

        Response.StatusCode = Failure.StatusCode;
        return Page();
    }

    /// <summary>
    /// Whether the browser is signed in to a local account other than the one the link belongs to. Links of app end
    /// users (<c>{client_id}:{user}</c>) belong to no local account and are not checked. The broker may run in a host
    /// without accounts, so their services are optional here.
    /// </summary>
    private async Task<bool> SignedInAsSomeoneElseAsync(string link)
    {
        if (await schemes.GetSchemeAsync(IdentityConstants.ApplicationScheme) is null
            || HttpContext.RequestServices.GetService<UserManager<AppUser>>() is not { } users)
        {
            return false;
        }

        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var signedIn = session.Succeeded ? users.GetUserId(session.Principal!) : null;
        if (signedIn is null || await flows.OwnerAsync(link, HttpContext.RequestAborted) is not { } owner || owner == signedIn)
        {
            return false;
        }

        return await users.FindByIdAsync(owner) is not null;
    }
}
