namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>The system clock moved by an offset a test can change: "a day later" without waiting, while timers keep running.</summary>
internal sealed class ShiftedTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
