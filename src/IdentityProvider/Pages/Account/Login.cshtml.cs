using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.IdentityProvider.Throttling;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Pages.Account;

/// <summary>
/// Signs a local account in with its email and password. An unknown account, a wrong password and a locked or
/// disabled account get the same answer after the same work (a password hash is checked in every case), so the page
/// tells nobody which accounts exist. Failures slow down the address they come from; they never lock the account.
/// </summary>
[EnableRateLimiting(SignInRateLimiterPolicy.LoginPolicyName)]
internal sealed class LoginModel(
    UserManager<AppUser> users,
    SignInManager<AppUser> signInManager,
    IPasswordHasher<AppUser> passwordHasher,
    SignInThrottle throttle,
    IOptions<IdentityProviderOptions> options) : PageModel
{
    public const string Failed = "The email or password is not right.";

    private const int MaxEmailLength = 256;

    /// <summary>A hash to check passwords of unknown accounts against, so that they take as long as known ones.</summary>
    private static readonly Lazy<string> UnknownAccountHash = new(() => new PasswordHasher<AppUser>().HashPassword(new AppUser(), Guid.NewGuid().ToString()));

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
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password) || Email.Length > MaxEmailLength)
        {
            Error = "Enter your email and password.";
            return Page();
        }

        var email = Email.Trim();
        var address = ClientAddress.Of(HttpContext);
        if ((throttle.Backoff(address) ?? throttle.AcquireForAccount("login", email, address)) is { } wait)
        {
            await TooManyAttempts.WriteAsync(HttpContext, oauthError: false, wait, "from this address");
            return new EmptyResult();
        }

        var user = await users.FindByNameAsync(email);
        if (user is null)
        {
            passwordHasher.VerifyHashedPassword(new AppUser(), UnknownAccountHash.Value, Password);
        }
        else if (await users.CheckPasswordAsync(user, Password) && await signInManager.CanSignInAsync(user) && !await users.IsLockedOutAsync(user))
        {
            await signInManager.SignInAsync(user, isPersistent: false);

            // Only local return URLs: an open redirect would hand the session to anyone's page.
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/connections");
        }

        throttle.RecordFailure(address);
        Error = Failed;
        return Page();
    }
}
