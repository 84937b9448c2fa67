using McpSubAgent.IdentityProvider.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace McpSubAgent.IdentityProvider.Pages.Account;

/// <summary>Ends the browser session (a POST, so that a link on another site cannot sign anyone out).</summary>
public sealed class LogoutModel(SignInManager<AppUser> signInManager) : PageModel
{
    public async Task<IActionResult> OnPostAsync()
    {
        await signInManager.SignOutAsync();
        return LocalRedirect("/account/login");
    }
}
