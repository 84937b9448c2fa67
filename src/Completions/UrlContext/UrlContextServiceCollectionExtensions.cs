using System.Net;
using McpSubAgent.Completions.UrlContext;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers URL context, a part of the completions engine.</summary>
internal static class UrlContextServiceCollectionExtensions
{
    /// <summary>
    /// Adds the URL fetcher, its guarded HTTP client (connects only to allowed addresses, follows no redirect by itself)
    /// and <see cref="UrlContextOptions"/> bound from <c>Completions:UrlContext</c>.
    /// </summary>
    public static IServiceCollection AddUrlContext(this IServiceCollection services)
    {
        services.AddOptions<UrlContextOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(UrlContextOptions.SectionName).Bind(o))
            .ValidateDataAnnotations()
            .Validate(o => o.AllowedPrivateNetworks.All(n => IPNetwork.TryParse(n, out _)),
                "Completions:UrlContext:AllowedPrivateNetworks must list address ranges in CIDR form (127.0.0.0/8, ::1/128).")
            .ValidateOnStart();
        services.TryAddSingleton<UrlAddressGuard>();
        services.AddHttpClient(UrlFetcher.HttpClientName)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan) // Completions:UrlContext:Timeout bounds each fetch.
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = sp.GetRequiredService<UrlAddressGuard>().ConnectAsync,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                UseCookies = false,
            });
        services.TryAddSingleton<UrlFetcher>();
        services.TryAddSingleton<UrlContextReader>();
        return services;
    }
}
