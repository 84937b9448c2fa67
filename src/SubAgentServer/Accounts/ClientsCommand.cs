using System.Buffers.Text;
using System.Security.Cryptography;
using McpSubAgent.IdentityProvider;
using McpSubAgent.SubAgentServer.McpEndpoint;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.SubAgentServer.Accounts;

/// <summary>
/// <c>clients add &lt;name&gt;</c>, <c>clients list</c>, <c>clients remove &lt;client_id&gt;</c>: manages the apps that call
/// <c>/v1</c> with the client credentials grant, and exits. The secret is shown once; only its hash is stored.
/// </summary>
internal static class ClientsCommand
{
    public const string Name = "clients";
    public const string ClientIdPrefix = "app_";

    private const string Usage = """
        Usage:
          clients add <name>
          clients list
          clients remove <client_id>
        """;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error)
    {
        await using var scope = services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        switch (args)
        {
            case ["add", var name] when !string.IsNullOrWhiteSpace(name):
                var clientId = ClientIdPrefix + RandomNumberGenerator.GetHexString(20, lowercase: true);
                var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
                await applications.CreateAsync(new OpenIddictApplicationDescriptor
                {
                    ClientId = clientId,
                    ClientSecret = secret,
                    ClientType = ClientTypes.Confidential,
                    DisplayName = name,
                    Permissions =
                    {
                        Permissions.Endpoints.Token,
                        Permissions.GrantTypes.ClientCredentials,
                        Permissions.Prefixes.Scope + IdentityProviderScopes.Mcp,
                    },
                });
                await output.WriteLineAsync($"""
                    Added the app "{name}". Its credentials (the secret is shown only now):
                    client_id: {clientId}
                    client_secret: {secret}
                    Get an access token with POST /connect/token (grant_type=client_credentials, scope=mcp, HTTP Basic auth with the two).
                    """);
                return 0;

            case ["list"]:
                await foreach (var application in applications.ListAsync())
                {
                    var permissions = await applications.GetPermissionsAsync(application);
                    if (permissions.Contains(Permissions.GrantTypes.ClientCredentials))
                    {
                        await output.WriteLineAsync($"{await applications.GetClientIdAsync(application)}\t{await applications.GetDisplayNameAsync(application)}");
                    }
                }

                return 0;

            case ["remove", var id]:
                var existing = await applications.FindByClientIdAsync(id);
                if (existing is null || !(await applications.GetPermissionsAsync(existing)).Contains(Permissions.GrantTypes.ClientCredentials))
                {
                    await error.WriteLineAsync($"There is no app with the client id {id}.");
                    return 1;
                }

                // Deleting the application deletes its tokens too; a running server notices within its revocation check interval.
                await applications.DeleteAsync(existing);
                scope.ServiceProvider.GetRequiredService<TokenStatusCache>().Forget();
                await output.WriteLineAsync($"Removed {id}; its tokens stop working within {RevocationBound(scope.ServiceProvider)}.");
                return 0;

            default:
                await error.WriteLineAsync(Usage);
                return 2;
        }
    }

    /// <summary>How soon a running server refuses the tokens of a removed client or user, in words.</summary>
    internal static string RevocationBound(IServiceProvider services) =>
        services.GetRequiredService<IOptions<TokenValidationOptions>>().Value.RevocationCheckInterval is { TotalSeconds: > 0 } interval
            ? $"{interval.TotalSeconds:0.#} seconds"
            : "the next request";
}
