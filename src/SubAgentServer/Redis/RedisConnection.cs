using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace McpSubAgent.SubAgentServer.Redis;

/// <summary>
/// The one connection to Redis of this process, opened at first use. It does not fail the start when Redis is away, and
/// reconnects by itself; the limits answer 503 meanwhile.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer>? _connection;

    public RedisConnection(IOptions<RedisOptions> options)
    {
        var configuration = options.Value.Configuration;
        if (!string.IsNullOrWhiteSpace(configuration))
        {
            var settings = ConfigurationOptions.Parse(configuration);
            settings.AbortOnConnectFail = false;
            _connection = new(() => ConnectionMultiplexer.Connect(settings));
        }
    }

    /// <summary>True when a shared store is configured.</summary>
    public bool IsConfigured => _connection is not null;

    public IConnectionMultiplexer Connect() =>
        (_connection ?? throw new InvalidOperationException("Redis:Configuration is not set.")).Value;

    public void Dispose()
    {
        if (_connection is { IsValueCreated: true })
        {
            _connection.Value.Dispose();
        }
    }
}
