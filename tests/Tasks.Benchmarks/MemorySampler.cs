using System.Diagnostics;

namespace McpSubAgent.Tasks.Benchmarks;

/// <summary>Samples this process's working set and managed heap every few milliseconds and keeps the maxima.</summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private bool _stopped;

    public MemorySampler(TimeSpan interval)
    {
        _loop = Task.Run(() => SampleAsync(interval, _stop.Token));
    }

    public long MaxWorkingSet { get; private set; }

    public long MaxManagedHeap { get; private set; }

    public long MaxGcHeapSize { get; private set; }

    private async Task SampleAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var process = Process.GetCurrentProcess();
        using var timer = new PeriodicTimer(interval);
        do
        {
            process.Refresh();
            MaxWorkingSet = Math.Max(MaxWorkingSet, process.WorkingSet64);
            MaxManagedHeap = Math.Max(MaxManagedHeap, GC.GetTotalMemory(forceFullCollection: false));
            MaxGcHeapSize = Math.Max(MaxGcHeapSize, GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes);
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Disposed once to stop sampling before the report, and again at the end of its using scope.
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
