using System.Threading.RateLimiting;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Limits;
using Microsoft.Extensions.Options;
using RedisRateLimiting;

namespace McpSubAgent.SubAgentServer.Redis;

/// <summary>
/// <see cref="CompletionsOptions.MaxConcurrentRunsPerUser"/> counted in Redis, so that the limit holds across all replicas
/// (registered when <c>Redis:Configuration</c> is set), with RedisRateLimiting's concurrency limiter as the /v1 limits.
/// </summary>
internal sealed class RedisUserRunLimiter : IUserRunLimiter, IDisposable
{
    private readonly PartitionedRateLimiter<string> _runs;
    private readonly int _limit;

    public RedisUserRunLimiter(RedisConnection redis, IOptions<CompletionsOptions> options)
    {
        _limit = options.Value.MaxConcurrentRunsPerUser;
        _runs = PartitionedRateLimiter.Create<string, string>(userKey => RedisRateLimitPartition.GetConcurrencyRateLimiter(
            "mcpsubagent:runs:" + userKey, _ => new RedisConcurrencyRateLimiterOptions
            {
                ConnectionMultiplexerFactory = redis.Connect,
                PermitLimit = _limit,
                QueueLimit = 0,
            }));
    }

    public async ValueTask<IAsyncDisposable> AcquireAsync(string userKey, CancellationToken cancellationToken)
    {
        var lease = await _runs.AcquireAsync(userKey, 1, cancellationToken);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw RunRefusedException.TooManyRuns(_limit);
        }

        return new Slot(lease);
    }

    public void Dispose() => _runs.Dispose();

    private sealed class Slot(RateLimitLease lease) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lease.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
