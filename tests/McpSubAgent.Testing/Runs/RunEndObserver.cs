using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Testing.Runs;

/// <summary>
/// Completes when the engine reports the end of a run (register it as an <see cref="ICompletionRunObserver"/>): after
/// that report, the run makes no more calls, so a test can assert that nothing more happened without waiting.
/// </summary>
public sealed class RunEndObserver : ICompletionRunObserver
{
    private readonly TaskCompletionSource<CompletionRunReport> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The report of the first run that ended, waited for at most 30 s.</summary>
    public Task<CompletionRunReport> WaitAsync(CancellationToken cancellationToken) =>
        _ended.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

    /// <inheritdoc />
    public ValueTask OnRunCompletedAsync(CompletionRunReport report, CancellationToken cancellationToken)
    {
        _ended.TrySetResult(report);
        return ValueTask.CompletedTask;
    }
}
