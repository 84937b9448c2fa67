using System.Collections.Concurrent;
using System.Threading.Channels;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// The tasks this process runs now, so a cancellation stops its run at once, and the wake-up of the worker when a
/// task is started here (other replicas find it on their next poll).
/// </summary>
internal sealed class AgentTaskRunRegistry
{
    private readonly ConcurrentDictionary<string, (CancellationTokenSource Run, string Owner)> _runs = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public IReadOnlyCollection<string> RunningIds => [.. _runs.Keys];

    public int Count => _runs.Count;

    public void Add(string id, string owner, CancellationTokenSource run) => _runs[id] = (run, owner);

    /// <summary>How many tasks each owner runs in this process now.</summary>
    public Dictionary<string, int> RunningByOwner() =>
        _runs.Values.GroupBy(r => r.Owner, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public void Remove(string id) => _runs.TryRemove(id, out _);

    /// <summary>Stops the run of <paramref name="id"/> if it runs in this process.</summary>
    public void Cancel(string id)
    {
        if (_runs.TryGetValue(id, out var entry))
        {
            try
            {
                entry.Run.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile.
            }
        }
    }

    public void WakeWorker() => _wakeUps.Writer.TryWrite(true);

    /// <summary>Waits for a wake-up or for <paramref name="timeout"/>.</summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await _wakeUps.Reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed.
        }
    }
}
