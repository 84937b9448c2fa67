using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>Loopback redirect URIs on any port (RFC 8252 section 7.3) for OpenIddict's default EF Core entities.</summary>
public static class LoopbackRedirectUriOpenIddictCoreBuilderExtensions
{
    /// <summary>
    /// Replaces the application manager of <see cref="OpenIddictEntityFrameworkCoreApplication"/> with one that lets a
    /// registered loopback http redirect URI match on any port (same host, path and query). Only for OpenIddict's
    /// default EF Core entity types (<c>UseEntityFrameworkCore()</c> without custom entities).
    /// </summary>
    public static OpenIddictCoreBuilder UseLoopbackRedirectUriPortMatching(this OpenIddictCoreBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication, LoopbackRedirectUriApplicationManager>();
    }
}
