using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Throttling;

/// <summary>
/// What throttles sign-ins besides the per-address rate limiter policies: a limit per account and client address
/// (so that nobody else's attempts use up a person's), and a wait per address that doubles with each failure past
/// <see cref="SignInThrottlingOptions.FreeFailuresPerAddress"/>. This replaces a lock-out per account, which anyone who
/// knows an email address could use to keep its owner out.
/// </summary>
internal sealed class SignInThrottle : IDisposable
{
    private readonly SignInThrottlingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly PartitionedRateLimiter<string> _accounts;
    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    public SignInThrottle(IOptions<SignInThrottlingOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _timeProvider = timeProvider;
        var login = _options.LoginPermitsPerMinutePerAccount;
        var token = _options.TokenPermitsPerMinutePerClient;
        _accounts = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, k => new FixedWindowRateLimiterOptions
        {
            PermitLimit = k.StartsWith("token|", StringComparison.Ordinal) ? token : login,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes one attempt for (endpoint, account, address); null when allowed, else how long to wait.</summary>
    public TimeSpan? AcquireForAccount(string endpoint, string account, string address)
    {
        using var lease = _accounts.AttemptAcquire($"{endpoint}|{account.Trim().ToUpperInvariant()}|{address}");
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
    }

    /// <summary>How long the address must still wait after its failures, or null when it may try now.</summary>
    public TimeSpan? Backoff(string address)
    {
        if (!_failures.TryGetValue(address, out var failures))
        {
            return null;
        }

        lock (failures)
        {
            var wait = failures.WaitUntil - _timeProvider.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : null;
        }
    }

    /// <summary>Counts a failed sign-in or client authentication from the address; past the free ones, it must wait.</summary>
    public void RecordFailure(string address)
    {
        var now = _timeProvider.GetUtcNow();
        if (!_failures.ContainsKey(address) && _failures.Count >= _options.MaxTrackedAddresses)
        {
            Forget(now);
            if (_failures.Count >= _options.MaxTrackedAddresses)
            {
                // Full of addresses that failed recently: the rate limits still hold for the others.
                return;
            }
        }

        var failures = _failures.GetOrAdd(address, _ => new Failures());
        lock (failures)
        {
            if (now - failures.Last > _options.FailureMemory)
            {
                failures.Count = 0;
            }

            failures.Count++;
            failures.Last = now;
            var beyond = failures.Count - _options.FreeFailuresPerAddress;
            if (beyond > 0)
            {
                var seconds = Math.Min(Math.Pow(2, Math.Min(beyond - 1, 30)), _options.MaxBackoff.TotalSeconds);
                failures.WaitUntil = now + TimeSpan.FromSeconds(seconds);
            }
        }
    }

    public void Dispose() => _accounts.Dispose();

    private void Forget(DateTimeOffset now)
    {
        foreach (var (address, failures) in _failures)
        {
            if (now - failures.Last > _options.FailureMemory && now >= failures.WaitUntil)
            {
                _failures.TryRemove(address, out _);
            }
        }
    }

    private sealed class Failures
    {
        public int Count { get; set; }

        public DateTimeOffset Last { get; set; }

        public DateTimeOffset WaitUntil { get; set; }
    }
}
