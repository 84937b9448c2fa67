namespace McpSubAgent.Completions.Benchmarks.Measurement;

/// <summary>
/// What one request of one side costs the whole process (client, engine and both fake servers; they share it):
/// CPU time, bytes allocated and garbage collections, averaged over a run of that side alone.
/// </summary>
internal sealed record ResourceCost(int Requests, double CpuMicroseconds, double AllocatedKilobytes, double Gen0PerThousand, double Gen1PerThousand, double Gen2PerThousand)
{
    public static async Task<ResourceCost> MeasureAsync(int requests, Func<CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpu = Environment.CpuUsage.TotalTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        for (var i = 0; i < requests; i++)
        {
            await send(cancellationToken);
        }

        return new ResourceCost(
            requests,
            (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / requests,
            (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / requests,
            1000.0 * (GC.CollectionCount(0) - gen0) / requests,
            1000.0 * (GC.CollectionCount(1) - gen1) / requests,
            1000.0 * (GC.CollectionCount(2) - gen2) / requests);
    }
}
