using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using McpSubAgent.IdentityProvider;
using McpSubAgent.SubAgentServer.McpEndpoint;
using Microsoft.Extensions.Options;
using McpSubAgent.IdentityProvider.Broker.Links;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.SubAgentServer.Accounts;

/// <summary>
/// <c>clients add &lt;name&gt; [--verification-url &lt;url&gt;]</c>, <c>clients verification-url &lt;client_id&gt; &lt;url|none&gt;</c>,
/// <c>clients list</c>, <c>clients remove &lt;client_id&gt;</c>: manages the apps that call <c>/v1</c> with the client
/// credentials grant, and exits. The secret is shown once; only its hash is stored. An app's verification URL is where
/// its end users' browsers go after a downstream login, so that the app confirms who they are (POST /connections/verify).
/// </summary>
internal static class ClientsCommand
{
    public const string Name = "clients";
    public const string ClientIdPrefix = "app_";

    private const string Usage = """
        Usage:
          clients add <name> [--verification-url <https url>]
          clients verification-url <client_id> <https url | none>
          clients list
          clients remove <client_id>
        """;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error)
    {
        await using var scope = services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        switch (args)
        {
            case ["add", _, "--verification-url", var addUrl] when VerificationUrl(addUrl) is null:
            case ["verification-url", _, var setUrl] when setUrl != "none" && VerificationUrl(setUrl) is null:
                await error.WriteLineAsync($"The verification URL must be an absolute https URL (http only on loopback): {args[^1]}");
                return 2;

            case ["add", var name, ..] when !string.IsNullOrWhiteSpace(name) && args.Length is 2 or 4 && (args.Length == 2 || args[2] == "--verification-url"):
                var clientId = ClientIdPrefix + RandomNumberGenerator.GetHexString(20, lowercase: true);
                var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
                var descriptor = new OpenIddictApplicationDescriptor
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
                };
                if (args.Length == 4)
                {
                    descriptor.Properties[AppProperties.VerificationUrl] = JsonSerializer.SerializeToElement(VerificationUrl(args[3])!.AbsoluteUri);
                }

                await applications.CreateAsync(descriptor);
                await output.WriteLineAsync($"""
                    Added the app "{name}". Its credentials (the secret is shown only now):
                    client_id: {clientId}
                    client_secret: {secret}
                    Get an access token with POST /connect/token (grant_type=client_credentials, scope=mcp, HTTP Basic auth with the two).
                    """);
                return 0;

            case ["verification-url", var appId, var url]:
                var app = await applications.FindByClientIdAsync(appId);
                if (app is null || !(await applications.GetPermissionsAsync(app)).Contains(Permissions.GrantTypes.ClientCredentials))
                {
                    await error.WriteLineAsync($"There is no app with the client id {appId}.");
                    return 1;
                }

                var update = new OpenIddictApplicationDescriptor();
                await applications.PopulateAsync(update, app);
                update.Properties.Remove(AppProperties.VerificationUrl);
                if (url != "none")
                {
                    update.Properties[AppProperties.VerificationUrl] = JsonSerializer.SerializeToElement(VerificationUrl(url)!.AbsoluteUri);
                }

                await applications.UpdateAsync(app, update);
                await output.WriteLineAsync(url == "none"
                    ? $"{appId} has no verification URL: its end users' logins count without a check."
                    : $"Logins of {appId}'s end users now wait for the app to confirm the user at {url}.");
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

    /// <summary>An https URL, or http on loopback (for local setups); null for anything else.</summary>
    private static Uri? VerificationUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
            ? url
            : null;
}
