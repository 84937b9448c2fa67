using McpSubAgent.IdentityProvider.Broker.Tokens;

namespace McpSubAgent.IdentityProvider.Tests.Broker;

public sealed class RefreshLocksTests
{
    [Fact]
    public async Task Acquire_AfterEveryHolderReleased_ForgetsTheConnection()
    {
        var locks = new RefreshLocks();

        for (var i = 0; i < 100; i++)
        {
            using var held = await locks.AcquireAsync($"user{i}|https://mcp.example/", TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task Acquire_SecondCallerWaitsForTheFirst_ThenTheEntryIsRemoved()
    {
        var locks = new RefreshLocks();
        var first = await locks.AcquireAsync("k", TestContext.Current.CancellationToken);

        var second = locks.AcquireAsync("k", TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);
        Assert.Equal(1, locks.Count);

        first.Dispose();
        (await second).Dispose();
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task Acquire_CancelledWhileWaiting_LeavesNoEntryBehind()
    {
        var locks = new RefreshLocks();
        var first = await locks.AcquireAsync("k", TestContext.Current.CancellationToken);
        using var cancel = new CancellationTokenSource();

        var waiting = locks.AcquireAsync("k", cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        first.Dispose();

        Assert.Equal(0, locks.Count);
    }
}
