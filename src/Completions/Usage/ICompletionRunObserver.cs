namespace McpSubAgent.Completions.Usage;

/// <summary>
/// Receives a report of every run when it ends (also failed and cancelled ones). Register implementations in DI;
/// an observer that throws is logged and does not affect the run.
/// </summary>
public interface ICompletionRunObserver
{
    /// <summary>Called once per run, after its last event.</summary>
    ValueTask OnRunCompletedAsync(CompletionRunReport report, CancellationToken cancellationToken);
}
