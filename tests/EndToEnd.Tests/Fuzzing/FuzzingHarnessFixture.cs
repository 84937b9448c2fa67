namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>One server for a class of fuzzing tests: starting it, signing in and getting tokens is the slow part.</summary>
public sealed class FuzzingHarnessFixture : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FuzzingHarness? _harness;

    internal async Task<FuzzingHarness> GetAsync()
    {
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            return _harness ??= await FuzzingHarness.StartAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }

        _gate.Dispose();
    }
}
