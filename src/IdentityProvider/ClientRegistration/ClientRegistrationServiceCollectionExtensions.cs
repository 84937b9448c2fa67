using McpSubAgent.Completions.Mcp;
using McpSubAgent.IdentityProvider.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>Registers dynamic client registration and client ID metadata documents.</summary>
public static class ClientRegistrationServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <c>IdentityProvider:Registration</c> options, the registration endpoint's services and rate limiter
    /// policy (<see cref="ClientRegistrationOptions.RateLimiterPolicyName"/>), and the fetcher, cache and resolver of
    /// client ID metadata documents with their <see cref="HttpClient"/>. OpenIddict's core services
    /// (<c>AddOpenIddict().AddCore(...)</c>) must be added too.
    /// </summary>
    public static IServiceCollection AddClientRegistration(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ClientRegistrationOptions>()
            .BindConfiguration(ClientRegistrationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PublicOrigin>();
        services.TryAddSingleton<ClientMetadataValidator>();
        services.TryAddScoped<ClientRegistrationHandler>();
        services.AddRateLimiter(limiter =>
            limiter.AddPolicy<string, ClientRegistrationRateLimiterPolicy>(ClientRegistrationOptions.RateLimiterPolicyName));

        services.AddHttpClient(ClientMetadataDocumentFetcher.HttpClientName)
            // MetadataDocumentTimeout bounds each fetch (TimeProvider-based); HttpClient's own 100 s would only get in its way.
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var handler = new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    // A proxy would be the address dialled, hiding the document's host from the guard.
                    UseProxy = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                };
                if (!sp.GetRequiredService<IOptions<ClientRegistrationOptions>>().Value.AllowLoopbackMetadataDocuments)
                {
                    handler.ConnectCallback = PublicAddressGuard.ConnectAsync;
                }

                return handler;
            });
        services.TryAddSingleton<ClientMetadataDocumentFetcher>();
        services.TryAddSingleton<ClientMetadataDocumentCache>();
        services.TryAddScoped<ClientMetadataDocumentResolver>();
        return services;
    }
}
