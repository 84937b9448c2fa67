namespace McpSubAgent.EndToEnd.Tests.Cli;

/// <summary>
/// The real clock with timers <see cref="Factor"/> times shorter: the CLI's five-second device-flow polls come every
/// 200 ms, while the time it reads (token expiry, the code's deadline) stays real.
/// </summary>
internal sealed class FastTimers : TimeProvider
{
    public const int Factor = 25;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        base.CreateTimer(callback, state, Shorten(dueTime), Shorten(period));

    private static TimeSpan Shorten(TimeSpan span) => span <= TimeSpan.Zero || span == Timeout.InfiniteTimeSpan ? span : span / Factor;
}
