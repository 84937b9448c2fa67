using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// OpenIddict's application manager with RFC 8252 section 7.3 loopback redirects: a registered
/// <c>http://127.0.0.1/callback</c> (or localhost, or [::1]) also matches the same URI on any port, since native
/// clients such as VS Code listen on a port the OS picks. Every other redirect URI still matches exactly.
/// </summary>
internal sealed class LoopbackRedirectUriApplicationManager(
    IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication> cache,
    ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store)
    : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>(cache, logger, options, store)
{
    public override async ValueTask<bool> ValidateRedirectUriAsync(
        OpenIddictEntityFrameworkCoreApplication application, string uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(application);
        ArgumentException.ThrowIfNullOrEmpty(uri);
        if (Uri.TryCreate(uri, UriKind.Absolute, out var requested) && RedirectUriPolicy.IsLoopbackHttp(requested) && !uri.Contains('#', StringComparison.Ordinal))
        {
            foreach (var candidate in await GetRedirectUrisAsync(application, cancellationToken))
            {
                if (Uri.TryCreate(candidate, UriKind.Absolute, out var registered) && MatchesIgnoringPort(registered, requested))
                {
                    return true;
                }
            }
        }

        return await base.ValidateRedirectUriAsync(application, uri, cancellationToken);
    }

    /// <summary>Same loopback http host, path and query, no user info; the port may differ.</summary>
    internal static bool MatchesIgnoringPort(Uri registered, Uri requested) =>
        RedirectUriPolicy.IsLoopbackHttp(registered)
        && RedirectUriPolicy.IsLoopbackHttp(requested)
        && registered.UserInfo.Length == 0
        && requested.UserInfo.Length == 0
        && string.Equals(registered.Host, requested.Host, StringComparison.OrdinalIgnoreCase)
        && string.Equals(registered.AbsolutePath, requested.AbsolutePath, StringComparison.Ordinal)
        && string.Equals(registered.Query, requested.Query, StringComparison.Ordinal);
}
