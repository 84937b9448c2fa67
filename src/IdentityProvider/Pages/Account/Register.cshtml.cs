using McpSubAgent.IdentityProvider.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Pages.Account;

/// <summary>Self sign-up, only when <see cref="IdentityProviderOptions.AllowSelfSignUp"/> is on; otherwise the page does not exist.</summary>
public sealed class RegisterModel(UserManager<AppUser> users, SignInManager<AppUser> signIn, IOptions<IdentityProviderOptions> options) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public IActionResult OnGet() => options.Value.AllowSelfSignUp ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!options.Value.AllowSelfSignUp)
        {
            return NotFound();
        }

        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password))
        {
            Errors = ["Enter an email address and a password."];
            return Page();
        }

        var user = new AppUser { UserName = Email.Trim(), Email = Email.Trim() };
        var created = await users.CreateAsync(user, Password);
        if (!created.Succeeded)
        {
            Errors = [.. created.Errors.Select(e => e.Description)];
            return Page();
        }

        await signIn.SignInAsync(user, isPersistent: false);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/connections");
    }
}
