namespace McpSubAgent.IdentityProvider.Broker.Tokens;

/// <summary>
/// One refresh at a time per connection in this process: with rotating refresh tokens, two parallel refreshes would
/// spend the same token twice and the second would fail. Replicas notice each other through the row's version.
/// A connection's lock lives only while someone holds or waits for it, so the table does not grow with every user.
/// Registered as a singleton by the broker.
/// </summary>
public sealed class RefreshLocks
{
    private readonly Dictionary<string, Entry> _locks = new(StringComparer.Ordinal);

    /// <summary>Connections with a lock held or awaited.</summary>
    public int Count
    {
        get
        {
            lock (_locks)
            {
                return _locks.Count;
            }
        }
    }

    /// <summary>Waits for the connection's lock; disposing the result releases it (once, however often disposed).</summary>
    /// <param name="connectionKey">The connection (user and server) whose refresh token is about to be spent.</param>
    /// <param name="cancellationToken">Stops waiting; a cancelled wait leaves nothing behind.</param>
    public async Task<IDisposable> AcquireAsync(string connectionKey, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_locks)
        {
            if (!_locks.TryGetValue(connectionKey, out entry!))
            {
                entry = new Entry();
                _locks.Add(connectionKey, entry);
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Leave(connectionKey, entry, release: false);
            throw;
        }

        return new Release(this, connectionKey, entry);
    }

    private void Leave(string connectionKey, Entry entry, bool release)
    {
        lock (_locks)
        {
            if (release)
            {
                entry.Semaphore.Release();
            }

            if (--entry.Users == 0)
            {
                _locks.Remove(connectionKey);
                entry.Semaphore.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        /// <summary>Holders and waiters; guarded by the table's lock.</summary>
        public int Users { get; set; }
    }

    private sealed class Release(RefreshLocks owner, string connectionKey, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Leave(connectionKey, entry, release: true);
            }
        }
    }
}
