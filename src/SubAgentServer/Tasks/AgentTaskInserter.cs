using System.Collections.Concurrent;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// Stores new tasks in batches: the starts that arrive while a commit is running are written together in the next one
/// (one transaction, one commit). Each start used to be a commit of its own, and concurrent starts on SQLite waited for
/// its single write lock in a sleep-and-retry loop, which bounded the server at about 90 starts per second.
/// </summary>
/// <remarks>
/// The batch also enforces <see cref="AgentTaskOptions.MaxPendingTasksPerUser"/>: one count per user in the batch, in
/// the batch's transaction. A count per start, before it was queued, cost more than the insert once a user had many
/// tasks pending (it walks up to the limit's number of index entries), and concurrent starts could all pass it. On
/// SQLite the transaction holds the one write lock, so the limit is exact; on a database shared by several replicas,
/// starts committed by another replica at the same moment are not seen, so a user may exceed the limit by those.
/// </remarks>
internal sealed class AgentTaskInserter(IServiceScopeFactory scopeFactory, AgentTaskQueries queries, IOptions<AgentTaskOptions> options) : IDisposable
{
    /// <summary>The most tasks written in one commit.</summary>
    public const int MaxBatch = 256;

    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>
    /// Returns once the task is committed. Not cancellable once queued: a started task is stored or the call fails, so
    /// a caller never misses the id of a task that runs.
    /// </summary>
    /// <exception cref="TaskLimitException">The owner already has the most unfinished tasks allowed; nothing is stored.</exception>
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
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            var (accepted, refused) = await WithinLimitAsync(db, batch);
            db.AgentTasks.AddRange(accepted.Select(p => p.Task));
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            accepted.ForEach(p => p.Stored.TrySetResult());
            refused.ForEach(r => r.Pending.Stored.TrySetException(r.Reason));
        }
        catch (Exception ex)
        {
            batch.ForEach(p => p.Stored.TrySetException(ex));
        }
    }

    /// <summary>Splits the batch, in its order, into the starts within each owner's limit and the ones beyond it.</summary>
    private async Task<(List<Pending> Accepted, List<(Pending Pending, TaskLimitException Reason)> Refused)> WithinLimitAsync(
        AppDbContext db, List<Pending> batch)
    {
        var limit = options.Value.MaxPendingTasksPerUser;
        var unfinished = new Dictionary<string, int>(StringComparer.Ordinal);
        var accepted = new List<Pending>(batch.Count);
        var refused = new List<(Pending, TaskLimitException)>();
        foreach (var pending in batch)
        {
            var owner = pending.Task.OwnerKey;
            if (!unfinished.TryGetValue(owner, out var count))
            {
                count = await queries.UnfinishedOfOwner(db, owner, limit, CancellationToken.None);
            }

            if (count >= limit)
            {
                refused.Add((pending, new TaskLimitException(
                    $"You have {count} agent tasks that have not ended (the limit is {limit}); wait for some to finish or cancel them.")));
            }
            else
            {
                accepted.Add(pending);
                count++;
            }

            unfinished[owner] = count;
        }

        return (accepted, refused);
    }

    public void Dispose() => _writer.Dispose();

    private sealed record Pending(AgentTask Task, TaskCompletionSource Stored);
}
