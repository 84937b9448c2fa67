using System.Runtime.CompilerServices;

namespace McpSubAgent.Completions.Events;

/// <summary>Adds <see cref="KeepAlive"/> events to a run's events whenever it is silent for an interval.</summary>
public static class KeepAliveEvents
{
    /// <summary>
    /// The events of <paramref name="events"/>, with a <see cref="KeepAlive"/> after every <paramref name="interval"/>
    /// without one; <see cref="Timeout.InfiniteTimeSpan"/> adds none.
    /// </summary>
    public static async IAsyncEnumerable<CompletionEvent> WithKeepAlivesAsync(
        IAsyncEnumerable<CompletionEvent> events,
        TimeSpan interval,
        TimeProvider timeProvider,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var enumerator = events.GetAsyncEnumerator(cancellationToken);
        await using var disposeEnumerator = enumerator.ConfigureAwait(false);
        while (true)
        {
            var next = enumerator.MoveNextAsync().AsTask();
            var silentSince = timeProvider.GetTimestamp();
            while (!await FinishesWithinAsync(next, interval, timeProvider, cancellationToken).ConfigureAwait(false))
            {
                yield return new KeepAlive(timeProvider.GetElapsedTime(silentSince));
            }

            if (!await next.ConfigureAwait(false))
            {
                yield break;
            }

            yield return enumerator.Current;
        }
    }

    private static async Task<bool> FinishesWithinAsync(Task next, TimeSpan interval, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (next.IsCompleted || interval == Timeout.InfiniteTimeSpan)
        {
            return true;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var first = await Task.WhenAny(next, Task.Delay(interval, timeProvider, wait.Token)).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return first == next;
    }
}
