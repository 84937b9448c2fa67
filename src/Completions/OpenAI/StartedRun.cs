using System.Runtime.CompilerServices;
using McpSubAgent.Completions.Events;

namespace McpSubAgent.Completions.OpenAI;

/// <summary>
/// A run whose first event has been awaited, so that bad input and a failing first upstream call surface as exceptions
/// while the host can still answer with an error status; after that, the response is committed.
/// </summary>
public sealed class StartedRun : IAsyncDisposable
{
    private readonly IAsyncEnumerator<CompletionEvent> _events;
    private readonly List<CompletionEvent> _passed;
    private bool _hasCurrent;

    private StartedRun(IAsyncEnumerator<CompletionEvent> events, bool hasCurrent, List<CompletionEvent> passed)
    {
        _events = events;
        _hasCurrent = hasCurrent;
        _passed = passed;
    }

    /// <summary>
    /// Starts the run and waits for its first event; throws what the run throws before it. With
    /// <paramref name="untilFirstOutput"/> it waits past <see cref="RunStarted"/> for the first output (the first upstream
    /// answer), so that a failing first upstream call still becomes an error status (the <see cref="McpToolsListed"/> it
    /// passes is kept for <see cref="ReadAllAsync"/>); without, the response can begin as soon as the run is accepted.
    /// </summary>
    public static async Task<StartedRun> StartAsync(IAsyncEnumerable<CompletionEvent> run, CancellationToken cancellationToken, bool untilFirstOutput = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        var events = run.GetAsyncEnumerator(cancellationToken);
        try
        {
            var hasCurrent = await events.MoveNextAsync().ConfigureAwait(false);
            var passed = new List<CompletionEvent>();
            while (untilFirstOutput && hasCurrent && events.Current is RunStarted or McpToolsListed)
            {
                // The listing is no output yet, but hosts that show it must still get it.
                if (events.Current is McpToolsListed listed)
                {
                    passed.Add(listed);
                }

                hasCurrent = await events.MoveNextAsync().ConfigureAwait(false);
            }

            return new StartedRun(events, hasCurrent, passed);
        }
        catch
        {
            await events.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>All events of the run, the first one included. Enumerate once.</summary>
    public async IAsyncEnumerable<CompletionEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var passed in _passed)
        {
            yield return passed;
        }

        _passed.Clear();
        while (_hasCurrent)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return _events.Current;
            _hasCurrent = await _events.MoveNextAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _events.DisposeAsync();
}
