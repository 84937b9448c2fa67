using McpSubAgent.IdentityProvider.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Pages.Account;

/// <summary>Signs a local account in with its email and password; repeated failures lock the account out.</summary>
public sealed class LoginModel(SignInManager<AppUser> signInManager, IOptions<IdentityProviderOptions> options) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    public bool SelfSignUp => options.Value.AllowSelfSignUp;

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password))
        {
            Error = "Enter your email and password.";
            return Page();
        }

        var result = await signInManager.PasswordSignInAsync(Email.Trim(), Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            // Only local return URLs: an open redirect would hand the session to anyone's page.
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/connections");
        }

        Error = result.IsLockedOut
            ? "This account is locked after too many failed attempts. Try again later."
            : "The email or password is not right.";
        return Page();
    }
}
