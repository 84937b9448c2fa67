using System.Collections.Concurrent;
using McpSubAgent.SubAgentServer.Data;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// Stores new tasks in batches: the starts that arrive while a commit is running are written together in the next one
/// (one transaction, one commit). Each start used to be a commit of its own, and concurrent starts on SQLite waited for
/// its single write lock in a sleep-and-retry loop, which bounded the server at about 90 starts per second.
/// </summary>
internal sealed class AgentTaskInserter(IServiceScopeFactory scopeFactory) : IDisposable
{
    /// <summary>The most tasks written in one commit.</summary>
    public const int MaxBatch = 256;

    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>
    /// Returns once the task is committed. Not cancellable once queued: a started task is stored or the call fails, so
    /// a caller never misses the id of a task that runs.
    /// </summary>
    public async Task AddAsync(AgentTask task)
    {
        var pending = new Pending(task, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Enqueue(pending);
        while (!pending.Stored.Task.IsCompleted)
        {
            await _writer.WaitAsync();
            try
            {
                // Whoever holds the writer commits everything queued so far, this caller's task included or not.
                if (!pending.Stored.Task.IsCompleted)
                {
                    await WriteBatchAsync();
                }
            }
            finally
            {
                _writer.Release();
            }
        }

        await pending.Stored.Task;
    }

    private async Task WriteBatchAsync()
    {
        var batch = new List<Pending>();
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
        {
            batch.Add(next);
        }

        try
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.AgentTasks.AddRange(batch.Select(p => p.Task));
            await db.SaveChangesAsync(CancellationToken.None);
            batch.ForEach(p => p.Stored.TrySetResult());
        }
        catch (Exception ex)
        {
            batch.ForEach(p => p.Stored.TrySetException(ex));
        }
    }

    public void Dispose() => _writer.Dispose();

    private sealed record Pending(AgentTask Task, TaskCompletionSource Stored);
}
