namespace McpSubAgent.Tasks.Benchmarks;

/// <summary>What one run measured.</summary>
internal sealed record RunResult
{
    public required int Concurrency { get; init; }

    public required TimeSpan? PollInterval { get; init; }

    public required int Tasks { get; init; }

    public required IReadOnlyDictionary<string, int> ByStatus { get; init; }

    public required int LlmRequests { get; init; }

    public required bool TimedOut { get; init; }

    /// <summary>From sending the first start_agent_task to the last start_agent_task answer.</summary>
    public required TimeSpan StartPhase { get; init; }

    /// <summary>From sending the first start_agent_task to the latest EndedAt in the database.</summary>
    public required TimeSpan Total { get; init; }

    /// <summary>The LLM delay times the number of waves the worker concurrency allows.</summary>
    public required TimeSpan Ideal { get; init; }

    /// <summary>The median time from a task's creation to its end.</summary>
    public required TimeSpan MedianLatency { get; init; }

    public required TimeSpan MaxLatency { get; init; }

    /// <summary>The working set after signing in, before the first task (server, fake LLM and clients warmed up).</summary>
    public required long WorkingSetBefore { get; init; }

    public required long MaxWorkingSet { get; init; }

    public required long PeakWorkingSetOfProcess { get; init; }

    public required long MaxManagedHeap { get; init; }

    public required long MaxGcHeapSize { get; init; }

    public required int Gen2Collections { get; init; }

    public required TimeSpan CpuTime { get; init; }
}
