using McpSubAgent.Completions.Limits;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace McpSubAgent.SubAgentServer.Redis;

/// <summary>Registers the optional shared store of limits.</summary>
internal static class RedisExtensions
{
    /// <summary>
    /// The connection, and with <c>Redis:Configuration</c> set, the per-user run limit counted in Redis instead of in
    /// this process (the /v1 limits choose their store themselves).
    /// </summary>
    public static IServiceCollection AddRedisConnection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName);
        services.TryAddSingleton<RedisConnection>();
        if (!string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.SectionName}:{nameof(RedisOptions.Configuration)}"]))
        {
            services.Replace(ServiceDescriptor.Singleton<IUserRunLimiter, RedisUserRunLimiter>());
        }

        return services;
    }
}
