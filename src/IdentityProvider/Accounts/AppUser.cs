using Microsoft.AspNetCore.Identity;

namespace McpSubAgent.IdentityProvider.Accounts;

/// <summary>A local account. Its id is the stable user id, carried as <c>sub</c> in tokens.</summary>
public sealed class AppUser : IdentityUser
{
}
