namespace McpSubAgent.SubAgentServer.Redis;

/// <summary>Registers the optional shared store of limits.</summary>
internal static class RedisExtensions
{
    public static IServiceCollection AddRedisConnection(this IServiceCollection services)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName);
        services.AddSingleton<RedisConnection>();
        return services;
    }
}
