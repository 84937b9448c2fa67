namespace McpSubAgent.Completions.Loop;

/// <summary>What bounds the reading of one upstream answer.</summary>
/// <param name="Idle">How long the answer may go without a byte.</param>
/// <param name="Total">The call's whole time, for messages.</param>
/// <param name="CallTimer">Cancelled when the call's whole time is up.</param>
/// <param name="MaxBytes">The most bytes the answer may have.</param>
/// <param name="TimeProvider">The clock of the idle timer.</param>
internal sealed record UpstreamReadLimits(TimeSpan Idle, TimeSpan Total, CancellationTokenSource CallTimer, long MaxBytes, TimeProvider TimeProvider);
