using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Limits;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// One pooled MCP client session with its cached tool list. The list is listed again after
/// <see cref="CompletionsOptions.ToolListCacheDuration"/> or when the server sends <c>notifications/tools/list_changed</c>.
/// </summary>
internal sealed class McpConnection(
    McpClient client,
    McpConnectionKey key,
    ChallengeRecordingHandler challenges,
    ResponseSizeLimitHandler sizeLimit,
    string? authorization,
    TimeProvider timeProvider)
    : IAsyncDisposable
{
    private readonly SemaphoreSlim _toolsLock = new(1, 1);
    private IReadOnlyList<Tool>? _tools;
    private long _toolsListedAt;
    private long _lastUsed = timeProvider.GetTimestamp();
    private volatile bool _toolsStale;
    private volatile bool _broken;

    public McpConnectionKey Key { get; } = key;

    /// <summary>Marks the connection broken once its client ends (the server closed the session, or its transport failed).</summary>
    public void WatchCompletion() =>
        _ = client.Completion.ContinueWith(static (_, state) => ((McpConnection)state!).MarkBroken(), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>The server's last authentication challenge on this connection (401, or 403 <c>insufficient_scope</c>).</summary>
    public ChallengeRecordingHandler Challenges { get; } = challenges;

    /// <summary>
    /// Notes a response of the calls that follow in this async flow that was too large to read, since the MCP client
    /// reports it only as a reply that never came.
    /// </summary>
    public OversizedResponse WatchResponseSize() => sizeLimit.Watch();

    /// <summary>The <c>Authorization</c> value this connection sends, if any: what the server refused when it answers 401.</summary>
    public string? Authorization { get; } = authorization;

    /// <summary>Set when the transport failed or the server dropped the session: the pool replaces the connection on next use.</summary>
    public bool IsBroken => _broken;

    public TimeSpan IdleFor => timeProvider.GetElapsedTime(Volatile.Read(ref _lastUsed));

    public void InvalidateTools() => _toolsStale = true;

    public void MarkBroken() => _broken = true;

    public async Task<IReadOnlyList<Tool>> GetToolsAsync(TimeSpan cacheDuration, CancellationToken cancellationToken)
    {
        Touch();
        if (IsFresh(cacheDuration))
        {
            return _tools!;
        }

        await _toolsLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsFresh(cacheDuration))
            {
                return _tools!;
            }

            // Cleared before listing: a change notified while listing marks the new list stale again.
            _toolsStale = false;
            var tools = await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _tools = tools.Select(t => t.ProtocolTool).ToArray();
            _toolsListedAt = timeProvider.GetTimestamp();
            return _tools;
        }
        finally
        {
            _toolsLock.Release();
        }
    }

    public async Task<CallToolResult> CallToolAsync(string toolName, JsonObject arguments, CancellationToken cancellationToken)
    {
        Touch();
        var request = new CallToolRequestParams
        {
            Name = toolName,
            Arguments = arguments.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value, CompletionsJsonContext.Default.JsonNode)),
        };
        return await client.CallToolAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _toolsLock.Dispose();
        return client.DisposeAsync();
    }

    private bool IsFresh(TimeSpan cacheDuration) =>
        _tools is not null && !_toolsStale && timeProvider.GetElapsedTime(_toolsListedAt) < cacheDuration;

    private void Touch() => Volatile.Write(ref _lastUsed, timeProvider.GetTimestamp());
}
