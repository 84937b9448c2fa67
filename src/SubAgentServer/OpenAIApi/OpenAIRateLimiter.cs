using System.Threading.RateLimiting;
using McpSubAgent.SubAgentServer.Redis;
using Microsoft.Extensions.Options;
using RedisRateLimiting;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// Per-caller limits of chat completions: requests per fixed window, and runs at once, chained. ASP.NET Core's rate
/// limiters, applied by <see cref="OpenAIRateLimitFilter"/> after authentication rather than by the rate-limiting
/// middleware, which runs before it here (OpenIddict's endpoints need that order) and so cannot know the caller.
/// With <c>Redis:Configuration</c> both count in Redis, across all replicas; without it, in this process.
/// </summary>
internal sealed class OpenAIRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _requests;
    private readonly PartitionedRateLimiter<string> _runs;
    private readonly PartitionedRateLimiter<string> _chained;

    public OpenAIRateLimiter(IOptions<OpenAIApiOptions> options, RedisConnection redis)
    {
        var settings = options.Value;
        _requests = PartitionedRateLimiter.Create<string, string>(key => redis.IsConfigured
            ? RedisRateLimitPartition.GetFixedWindowRateLimiter("mcpsubagent:v1:requests:" + key, _ => new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = redis.Connect,
                PermitLimit = settings.RequestsPerWindow,
                Window = settings.RateLimitWindow,
            })
            : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.RequestsPerWindow,
                Window = settings.RateLimitWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        _runs = PartitionedRateLimiter.Create<string, string>(key => redis.IsConfigured
            ? RedisRateLimitPartition.GetConcurrencyRateLimiter("mcpsubagent:v1:runs:" + key, _ => new RedisConcurrencyRateLimiterOptions
            {
                ConnectionMultiplexerFactory = redis.Connect,
                PermitLimit = settings.ConcurrentRuns,
                QueueLimit = 0,
            })
            : RateLimitPartition.GetConcurrencyLimiter(key, _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = settings.ConcurrentRuns,
                QueueLimit = 0,
            }));
        _chained = PartitionedRateLimiter.CreateChained(_requests, _runs);
    }

    /// <summary>A lease for one run of <paramref name="callerKey"/>; dispose it when the run's response is written.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(string callerKey, CancellationToken cancellationToken) =>
        _chained.AcquireAsync(callerKey, 1, cancellationToken);

    public void Dispose()
    {
        _chained.Dispose();
        _runs.Dispose();
        _requests.Dispose();
    }
}
