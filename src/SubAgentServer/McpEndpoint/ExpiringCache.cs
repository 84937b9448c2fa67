using System.Collections.Concurrent;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// Values remembered until a time of their own, at most <c>maxCount</c> at once (when full, expired ones go first, then
/// all): the token checks use it so that an authenticated request repeats no work for a token seen seconds ago.
/// </summary>
internal sealed class ExpiringCache<TValue>(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, (TValue Value, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Until > timeProvider.GetUtcNow())
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(string key, TValue value, DateTimeOffset until, int maxCount)
    {
        var now = timeProvider.GetUtcNow();
        if (until <= now)
        {
            return;
        }

        if (_entries.Count >= maxCount)
        {
            foreach (var (old, entry) in _entries)
            {
                if (entry.Until <= now)
                {
                    _entries.TryRemove(old, out _);
                }
            }

            // All still fresh (that many distinct tokens within one interval): start over rather than grow.
            if (_entries.Count >= maxCount)
            {
                _entries.Clear();
            }
        }

        _entries[key] = (value, until);
    }

    public void Clear() => _entries.Clear();
}
