using System.Collections.Concurrent;

namespace McpSubAgent.Completions.Approvals;

/// <summary>
/// Approvals in this process's memory: the default for a single instance and for apps using the handler. Expired
/// approvals are dropped as new ones come, and at most <see cref="MaxApprovals"/> are kept (the oldest go first).
/// </summary>
internal sealed class InMemoryMcpApprovalStore(TimeProvider timeProvider) : IMcpApprovalStore
{
    public const int MaxApprovals = 10_000;

    private readonly ConcurrentDictionary<string, McpToolApproval> _approvals = new(StringComparer.Ordinal);

    public Task AddAsync(IReadOnlyList<McpToolApproval> approvals, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (id, approval) in _approvals)
        {
            if (approval.ExpiresAt <= now)
            {
                _approvals.TryRemove(id, out _);
            }
        }

        foreach (var approval in approvals)
        {
            _approvals[approval.Id] = approval;
        }

        var excess = _approvals.Count - MaxApprovals;
        foreach (var old in excess > 0 ? _approvals.Values.OrderBy(a => a.ExpiresAt).Take(excess).ToList() : [])
        {
            _approvals.TryRemove(old.Id, out _);
        }

        return Task.CompletedTask;
    }

    public Task<McpToolApproval?> FindAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_approvals.GetValueOrDefault(id));

    public Task<bool> DecideAsync(string id, string userKey, bool approve, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(Update(id, a => a.UserKey == userKey && a.Approved is null && !a.Used && a.ExpiresAt > now, a => a with { Approved = approve }));

    public Task<bool> TryUseAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(Update(id, a => !a.Used, a => a with { Used = true }));

    private bool Update(string id, Func<McpToolApproval, bool> allowed, Func<McpToolApproval, McpToolApproval> change)
    {
        // Compare-and-swap: of two concurrent attempts on one approval, only one succeeds.
        while (_approvals.TryGetValue(id, out var current))
        {
            if (!allowed(current))
            {
                return false;
            }

            if (_approvals.TryUpdate(id, change(current), current))
            {
                return true;
            }
        }

        return false;
    }
}
