using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.IdentityProvider.Broker;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace McpSubAgent.IdentityProvider.Pages.Connections;

/// <summary>The signed-in person's downstream connections: status, tools, last use, revoke.</summary>
internal sealed class IndexModel(ConnectionsOverview overview, UserManager<AppUser> userManager) : PageModel
{
    public IReadOnlyList<ConnectionView> Connections { get; private set; } = [];

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var userKey = await SignedInUserKeyAsync();
        if (userKey is null)
        {
            return Challenge(new AuthenticationProperties { RedirectUri = "/connections" }, IdentityConstants.ApplicationScheme);
        }

        Connections = await overview.ListAsync(userKey, HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync([FromForm] string? id)
    {
        var userKey = await SignedInUserKeyAsync();
        if (userKey is null)
        {
            return Challenge(new AuthenticationProperties { RedirectUri = "/connections" }, IdentityConstants.ApplicationScheme);
        }

        if (string.IsNullOrEmpty(id) || !await overview.RevokeAsync(userKey, id, HttpContext.RequestAborted))
        {
            return NotFound();
        }

        Message = "The connection was revoked.";
        Connections = await overview.ListAsync(userKey, HttpContext.RequestAborted);
        return Page();
    }

    /// <summary>The user key of runs for this person: the subject of their access tokens, their account id.</summary>
    private async Task<string?> SignedInUserKeyAsync()
    {
        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        return session.Succeeded ? userManager.GetUserId(session.Principal) : null;
    }
}
