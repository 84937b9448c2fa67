using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.Limits;

/// <summary>Counts the interactive runs of each user key in this process, so one user cannot take the whole machine.</summary>
internal sealed class UserRunLimiter(IOptions<CompletionsOptions> options) : IUserRunLimiter
{
    private readonly ConcurrentDictionary<string, int> _running = new(StringComparer.Ordinal);

    public ValueTask<IAsyncDisposable> AcquireAsync(string userKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IAsyncDisposable>(Acquire(userKey));

    /// <summary>Takes a slot for <paramref name="userKey"/>; throws <see cref="RunRefusedException"/> when it has none left.</summary>
    public Slot Acquire(string userKey)
    {
        var limit = options.Value.MaxConcurrentRunsPerUser;
        while (true)
        {
            var current = _running.GetOrAdd(userKey, 0);
            if (current >= limit)
            {
                throw RunRefusedException.TooManyRuns(limit);
            }

            if (_running.TryUpdate(userKey, current + 1, current))
            {
                return new Slot(this, userKey);
            }
        }
    }

    /// <summary>Running runs of <paramref name="userKey"/>.</summary>
    public int Running(string userKey) => _running.GetValueOrDefault(userKey);

    private void Release(string userKey)
    {
        while (true)
        {
            var current = _running[userKey];
            if (current <= 1)
            {
                // Removed only while still at one, so the dictionary holds users with runs, not every user ever seen.
                if (_running.TryRemove(new KeyValuePair<string, int>(userKey, current)))
                {
                    return;
                }
            }
            else if (_running.TryUpdate(userKey, current - 1, current))
            {
                return;
            }
        }
    }

    internal sealed class Slot(UserRunLimiter limiter, string userKey) : IDisposable, IAsyncDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                limiter.Release(userKey);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
