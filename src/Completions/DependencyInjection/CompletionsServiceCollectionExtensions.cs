using McpSubAgent.Completions;
using McpSubAgent.Completions.Approvals;
using Microsoft.Extensions.Configuration;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Diagnostics;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Search;
using McpSubAgent.Completions.Transport;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Completions.UrlContext;
using McpSubAgent.Completions.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the completions engine.</summary>
public static class CompletionsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="McpCompletionsEngine"/>, <see cref="McpCompletionsHandler"/> and their parts. Options bind from the
    /// <c>Completions</c> configuration section when configuration is registered; <paramref name="configure"/> runs after.
    /// The static credential provider is registered unless another <see cref="IMcpCredentialProvider"/> was, and the
    /// in-memory approval store unless another <see cref="IMcpApprovalStore"/> was.
    /// </summary>
    public static IServiceCollection AddMcpCompletions(this IServiceCollection services, Action<CompletionsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        // Bound from configuration when the host has one; a bare ServiceCollection (an app using only the handler) has none.
        var options = services.AddOptions<CompletionsOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(CompletionsOptions.SectionName).Bind(o))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMcpCredentialProvider, StaticCredentialProvider>();

        services.AddHttpClient(McpConnectionPool.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
                if (!sp.GetRequiredService<IOptions<CompletionsOptions>>().Value.AllowPrivateNetworkServers)
                {
                    handler.ConnectCallback = PublicAddressGuard.ConnectAsync;
                }

                return handler;
            });

        services.AddMetrics();
        services.TryAddSingleton<CompletionsMetrics>();
        services.TryAddSingleton<ServerUrlGuard>();
        services.TryAddSingleton<McpConnectionPool>();
        services.TryAddSingleton<McpToolResolver>();
        services.AddHttpClient(McpRegistryClient.HttpClientName);
        services.TryAddSingleton<McpRegistryClient>();
        services.AddUrlContext();
        services.TryAddSingleton<McpToolExecutor>();
        services.TryAddSingleton<UpstreamRetryPipeline>();
        services.TryAddSingleton<IUserRunLimiter, UserRunLimiter>();
        services.TryAddSingleton<IMcpApprovalStore, InMemoryMcpApprovalStore>();
        services.TryAddSingleton(sp => new McpCompletionsEngine(
            sp.GetRequiredService<McpToolResolver>(),
            sp.GetRequiredService<McpToolExecutor>(),
            sp.GetRequiredService<UpstreamRetryPipeline>(),
            sp.GetRequiredService<IOptions<CompletionsOptions>>(),
            sp.GetServices<ICompletionRunObserver>(),
            sp.GetRequiredService<IUserRunLimiter>(),
            sp.GetRequiredService<IMcpApprovalStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<McpCompletionsEngine>>(),
            sp.GetRequiredService<CompletionsMetrics>(),
            sp.GetRequiredService<McpRegistryClient>(),
            sp.GetRequiredService<UrlContextReader>()));
        services.TryAddSingleton(sp => new McpServerProbe(
            sp.GetRequiredService<McpToolResolver>(),
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddTransient<McpCompletionsHandler>();
        return services;
    }
}
