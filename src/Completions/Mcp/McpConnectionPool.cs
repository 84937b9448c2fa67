using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using McpSubAgent.Completions.Limits;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// Keeps MCP client sessions open per (user key, profile, server URL, headers) and reuses them across requests.
/// Connections unused for <see cref="CompletionsOptions.ConnectionIdleTimeout"/> are closed.
/// </summary>
internal sealed partial class McpConnectionPool(
    IHttpMessageHandlerFactory handlerFactory,
    IOptions<CompletionsOptions> options,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : IAsyncDisposable
{
    /// <summary>The named HTTP client the MCP transports use.</summary>
    public const string HttpClientName = "McpSubAgent.Completions.Mcp";

    private static readonly Implementation ClientInfo = new()
    {
        Name = "McpSubAgent",
        Version = typeof(McpConnectionPool).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
    };

    private readonly ConcurrentDictionary<McpConnectionKey, Lazy<Task<McpConnection>>> _connections = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<McpConnectionPool>();
    private long _lastSweep = timeProvider.GetTimestamp();

    public int Count => _connections.Count;

    public static McpConnectionKey KeyFor(string userKey, string? profile, Uri serverUrl, IReadOnlyDictionary<string, string> headers)
    {
        var canonical = new StringBuilder();
        foreach (var (name, value) in headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            canonical.Append(name.ToUpperInvariant()).Append(':').Append(value).Append('\n');
        }

        // A digest rather than the values, so that the key holds no credential.
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        return new McpConnectionKey(userKey, profile, serverUrl, fingerprint);
    }

    /// <summary>
    /// Returns the open connection for <paramref name="key"/>, connecting when there is none. Concurrent callers share
    /// one connection attempt; a failed attempt is not kept.
    /// </summary>
    public async Task<McpConnection> GetAsync(McpConnectionKey key, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        SweepIdleConnections();
        while (true)
        {
            var lazy = _connections.GetOrAdd(key, k => new Lazy<Task<McpConnection>>(() => ConnectAsync(k, headers)));
            McpConnection connection;
            try
            {
                connection = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _connections.TryRemove(new KeyValuePair<McpConnectionKey, Lazy<Task<McpConnection>>>(key, lazy));
                throw;
            }

            if (!connection.IsBroken)
            {
                return connection;
            }

            Evict(connection);
        }
    }

    /// <summary>Closes a connection and forgets it, so that the next use connects again.</summary>
    public void Evict(McpConnection connection)
    {
        if (_connections.TryGetValue(connection.Key, out var lazy) && lazy.IsValueCreated
            && lazy.Value.IsCompletedSuccessfully && ReferenceEquals(lazy.Value.Result, connection))
        {
            _connections.TryRemove(new KeyValuePair<McpConnectionKey, Lazy<Task<McpConnection>>>(connection.Key, lazy));
        }

        _ = DisposeQuietlyAsync(connection);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _connections.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                await DisposeQuietlyAsync(lazy.Value.Result).ConfigureAwait(false);
            }
        }

        _connections.Clear();
    }

    private async Task<McpConnection> ConnectAsync(McpConnectionKey key, IReadOnlyDictionary<string, string> headers)
    {
        var settings = options.Value;
        var sizeLimit = new ResponseSizeLimitHandler(handlerFactory.CreateHandler(HttpClientName), settings.MaxToolResultBytes);
        var challenges = new ChallengeRecordingHandler(sizeLimit);

        // Streams (SSE, long tool calls) outlive any fixed HTTP timeout; the engine's own timeouts bound each call.
        var httpClient = new HttpClient(challenges, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = key.ServerUrl,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = headers.ToDictionary(h => h.Key, h => h.Value),
                ConnectionTimeout = settings.ConnectTimeout,
            },
            httpClient,
            loggerFactory,
            ownsHttpClient: true);

        McpConnection? connection = null;
        var clientOptions = new McpClientOptions
        {
            ClientInfo = ClientInfo,
            InitializationTimeout = settings.ConnectTimeout,
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.ToolListChangedNotification, (_, _) =>
                    {
                        connection?.InvalidateTools();
                        return ValueTask.CompletedTask;
                    }),
                ],
            },
        };

        using var timeout = new CancellationTokenSource(settings.ConnectTimeout, timeProvider);
        try
        {
            var client = await McpClient.CreateAsync(transport, clientOptions, loggerFactory, timeout.Token).ConfigureAwait(false);
            connection = new McpConnection(client, key, challenges, sizeLimit, headers.GetValueOrDefault("Authorization"), timeProvider);
            connection.WatchCompletion();
            LogConnected(_logger, key.ServerUrl);
            return connection;
        }
        catch (Exception ex) when (ex is not McpUnauthorizedException)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            if (McpErrors.IsUnauthorized(ex) || (McpErrors.IsForbidden(ex) && challenges.InsufficientScope))
            {
                throw new McpUnauthorizedException(key.ServerUrl, challenges.LastChallenge, ex);
            }

            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to {key.ServerUrl} took longer than {settings.ConnectTimeout.TotalSeconds:0.#} s.", ex);
            }

            throw;
        }
    }

    private void SweepIdleConnections()
    {
        var idleTimeout = options.Value.ConnectionIdleTimeout;
        var sweepEvery = idleTimeout < TimeSpan.FromMinutes(1) ? idleTimeout : TimeSpan.FromMinutes(1);
        var last = Volatile.Read(ref _lastSweep);
        if (timeProvider.GetElapsedTime(last) < sweepEvery
            || Interlocked.CompareExchange(ref _lastSweep, timeProvider.GetTimestamp(), last) != last)
        {
            return;
        }

        foreach (var lazy in _connections.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.IdleFor >= idleTimeout)
            {
                Evict(lazy.Value.Result);
            }
        }
    }

    private async Task DisposeQuietlyAsync(McpConnection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or ObjectDisposedException)
        {
            // Closing a session whose server is already gone fails; there is nothing left to release.
            LogCloseFailed(_logger, connection.Key.ServerUrl, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connected to MCP server {ServerUrl}")]
    private static partial void LogConnected(ILogger logger, Uri serverUrl);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing the MCP session with {ServerUrl} failed: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, Uri serverUrl, string reason);
}
