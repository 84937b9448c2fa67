using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.SubAgentServer.McpEndpoint;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;

namespace McpSubAgent.SubAgentServer.Accounts;

/// <summary>
/// <c>users add &lt;email&gt; --password &lt;password&gt;</c>, <c>users list</c>, <c>users remove &lt;email&gt;</c>: manages local
/// accounts from the command line and exits (self sign-up is off).
/// </summary>
internal static class UsersCommand
{
    public const string Name = "users";

    private const string Usage = """
        Usage:
          users add <email> --password <password>
          users list
          users remove <email>
        """;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        switch (args)
        {
            case ["add", var email, "--password", var password]:
                var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true };
                var created = await users.CreateAsync(user, password);
                if (!created.Succeeded)
                {
                    await error.WriteLineAsync($"Could not add {email}: {string.Join(" ", created.Errors.Select(e => e.Description))}");
                    return 1;
                }

                await output.WriteLineAsync($"Added {email} (user id {user.Id}).");
                return 0;

            case ["list"]:
                foreach (var account in users.Users.OrderBy(u => u.Email).ToList())
                {
                    var locked = account.LockoutEnd > DateTimeOffset.MinValue && await users.IsLockedOutAsync(account) ? " (locked out)" : "";
                    await output.WriteLineAsync($"{account.Email}\t{account.Id}{locked}");
                }

                return 0;

            case ["remove", var email]:
                var existing = await users.FindByEmailAsync(email);
                if (existing is null)
                {
                    await error.WriteLineAsync($"There is no account {email}.");
                    return 1;
                }

                var deleted = await users.DeleteAsync(existing);
                if (!deleted.Succeeded)
                {
                    await error.WriteLineAsync($"Could not remove {email}.");
                    return 1;
                }

                // The account's grants and tokens end with it: no refresh, and its access tokens are refused.
                await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().RevokeBySubjectAsync(existing.Id);
                await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().RevokeBySubjectAsync(existing.Id);
                scope.ServiceProvider.GetRequiredService<TokenStatusCache>().Forget();
                await output.WriteLineAsync($"Removed {email}; its tokens stop working within {ClientsCommand.RevocationBound(scope.ServiceProvider)}.");
                return 0;

            default:
                await error.WriteLineAsync(Usage);
                return 2;
        }
    }
}
