using McpSubAgent.Completions;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.IdentityProvider.Broker.Discovery;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.IdentityProvider.Broker.Links;
using McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;
using McpSubAgent.IdentityProvider.Broker.Storage;
using McpSubAgent.IdentityProvider.Broker.Tokens;
using McpSubAgent.IdentityProvider.Broker.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>Registers the downstream login broker, generic over the host's DbContext.</summary>
public static class BrokerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the login broker as the engine's credential port: discovery, client registration, login links and their
    /// callback, encrypted token storage with refresh, the connections page and the login webhook.
    /// </summary>
    public static IServiceCollection AddDownstreamLoginBroker<TContext>(this IServiceCollection services)
        where TContext : DbContext, IDownstreamConnectionContext
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<BrokerOptions>()
            .BindConfiguration(BrokerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddPublicOrigin();
        services.AddHttpContextAccessor();
        services.AddDataProtection();

        // Every URL the broker calls comes from a downstream server's metadata: the same SSRF guard as the engine's.
        services.AddHttpClient(BrokerHttp.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var handler = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
                if (!sp.GetRequiredService<IOptions<CompletionsOptions>>().Value.AllowPrivateNetworkServers)
                {
                    handler.ConnectCallback = PublicAddressGuard.ConnectAsync;
                }

                return handler;
            });
        services.AddHttpClient(LoginWebhook.HttpClientName).AddStandardResilienceHandler();

        services.AddScoped<IDownstreamConnectionContext>(sp => sp.GetRequiredService<TContext>());
        services.TryAddSingleton<BrokerHttp>();
        services.TryAddSingleton<BrokerOrigin>();
        services.TryAddSingleton<TokenProtector>();
        services.TryAddSingleton<DownstreamDiscovery>();
        services.TryAddSingleton<DownstreamTokenClient>();
        services.TryAddSingleton<RefreshLocks>();
        services.TryAddSingleton<LoginWebhook>();
        services.AddHostedService(sp => sp.GetRequiredService<LoginWebhook>());
        services.TryAddScoped<DownstreamClientRegistrar>();
        services.TryAddScoped<LoginFlows>();
        services.TryAddScoped<IAppDirectory, NoAppDirectory>();
        services.TryAddScoped<DownstreamCredentials>();
        services.TryAddScoped<ConnectionsOverview>();

        // Whether the engine was added before or after: the broker is the credential port.
        services.Replace(ServiceDescriptor.Singleton<IMcpCredentialProvider, BrokerCredentialProvider>());
        return services;
    }
}
