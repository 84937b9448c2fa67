using System.Collections.Concurrent;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// Which client ID metadata documents were applied recently enough to be used without fetching them again, per
/// <c>client_id</c> URL; and the lock that keeps two requests of this process from creating the same application.
/// </summary>
internal sealed class ClientMetadataDocumentCache(TimeProvider timeProvider) : IDisposable
{
    // Expired entries are swept when the cache grows past this, so URLs seen once do not pile up.
    private const int SweepThreshold = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _freshUntil = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Whether the document at <paramref name="clientId"/> was applied and is still fresh.</summary>
    public bool IsFresh(string clientId) =>
        _freshUntil.TryGetValue(clientId, out var until) && timeProvider.GetUtcNow() < until;

    /// <summary>Records that the document at <paramref name="clientId"/> was applied and stays fresh for <paramref name="duration"/>.</summary>
    public void Remember(string clientId, TimeSpan duration)
    {
        var now = timeProvider.GetUtcNow();
        if (duration <= TimeSpan.Zero)
        {
            _freshUntil.TryRemove(clientId, out _);
            return;
        }

        if (_freshUntil.Count >= SweepThreshold)
        {
            foreach (var entry in _freshUntil)
            {
                if (entry.Value <= now)
                {
                    _freshUntil.TryRemove(entry);
                }
            }
        }

        _freshUntil[clientId] = now + duration;
    }

    /// <summary>Runs <paramref name="write"/> alone among the writes of this process.</summary>
    public async Task<T> WriteAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            return await write();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose() => _writeLock.Dispose();
}
