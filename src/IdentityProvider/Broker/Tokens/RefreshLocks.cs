using System.Collections.Concurrent;

namespace McpSubAgent.IdentityProvider.Broker.Tokens;

/// <summary>
/// One refresh at a time per connection in this process: with rotating refresh tokens, two parallel refreshes would
/// spend the same token twice and the second would fail. Replicas notice each other through the row's version.
/// </summary>
internal sealed class RefreshLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string connectionKey, CancellationToken cancellationToken)
    {
        var semaphore = _locks.GetOrAdd(connectionKey, _ => new SemaphoreSlim(1, 1));
        await semaphore.WaitAsync(cancellationToken);
        return new Release(semaphore);
    }

    private sealed class Release(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
