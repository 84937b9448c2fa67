using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Text;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// Stores new tasks in batches: the starts that arrive while a commit is running are written together in the next one
/// (one transaction, one commit). Each start used to be a commit of its own, and concurrent starts on SQLite waited for
/// its single write lock in a sleep-and-retry loop, which bounded the server at about 90 starts per second. The rows go
/// in as multi-row <c>INSERT</c> statements: EF Core's change tracking and per-row statements were most of a batch's
/// time, and on SQLite that time is spent holding the one write lock that claims and finishes wait for.
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
    private InsertStatement? _insert;

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
            var accepted = await RefuseBeyondLimitAsync(db, batch);
            _insert ??= new InsertStatement(db);
            await using var parameterFactory = db.Database.GetDbConnection().CreateCommand();
            foreach (var rows in accepted.Chunk(_insert.MaxRows))
            {
                var (sql, parameters) = _insert.For(rows.Select(p => p.Task), parameterFactory);
                await db.Database.ExecuteSqlRawAsync(sql, parameters, CancellationToken.None);
            }

            await transaction.CommitAsync(CancellationToken.None);
            accepted.ForEach(p => p.Stored.TrySetResult());
        }
        catch (Exception ex)
        {
            batch.ForEach(p => p.Stored.TrySetException(ex));
        }
    }

    /// <summary>
    /// Fails the starts of the batch beyond their owner's limit (in the batch's order) with a <see cref="TaskLimitException"/>
    /// and returns the others.
    /// </summary>
    private async Task<List<Pending>> RefuseBeyondLimitAsync(AppDbContext db, List<Pending> batch)
    {
        var limit = options.Value.MaxPendingTasksPerUser;
        var unfinished = new Dictionary<string, int>(StringComparer.Ordinal);
        var accepted = new List<Pending>(batch.Count);
        foreach (var pending in batch)
        {
            var owner = pending.Task.OwnerKey;
            if (!unfinished.TryGetValue(owner, out var count))
            {
                count = await queries.UnfinishedOfOwner(db, owner, limit, CancellationToken.None);
            }

            if (count < limit)
            {
                accepted.Add(pending);
                count++;
            }
            else
            {
                pending.Stored.TrySetException(new TaskLimitException(
                    $"You have {count} agent tasks that have not ended (the limit is {limit}); wait for some to finish or cancel them."));
            }

            unfinished[owner] = count;
        }

        return accepted;
    }

    public void Dispose() => _writer.Dispose();

    private sealed record Pending(AgentTask Task, TaskCompletionSource Stored);

    /// <summary>
    /// <c>INSERT INTO "AgentTasks" (every mapped column) VALUES (...), (...)</c>: the table, columns and parameter types
    /// taken from the EF Core model (so a new property is written without a change here), quoted by the provider.
    /// </summary>
    private sealed class InsertStatement
    {
        // Parameters per statement: SQL Server takes at most 2,100, SQLite builds before 3.32 at most 999.
        private const int MaxParameters = 999;

        private readonly string _prefix;
        private readonly (PropertyInfo Property, RelationalTypeMapping Mapping, bool Nullable)[] _columns;

        public InsertStatement(AppDbContext db)
        {
            var entity = db.Model.FindEntityType(typeof(AgentTask))
                ?? throw new InvalidOperationException("AgentTask is not in the model.");
            var sql = db.GetService<ISqlGenerationHelper>();
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var properties = entity.GetProperties().ToList();
            _columns = [.. properties.Select(p => (
                p.PropertyInfo ?? throw new InvalidOperationException($"AgentTask.{p.Name} has no CLR property; the batched insert cannot write it."),
                p.GetRelationalTypeMapping(),
                p.IsNullable))];
            _prefix = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} "
                + $"({string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)))}) VALUES ";
            MaxRows = Math.Max(1, MaxParameters / _columns.Length);
        }

        /// <summary>The most rows one statement takes.</summary>
        public int MaxRows { get; }

        /// <summary>
        /// The statement for <paramref name="tasks"/> (at most <see cref="MaxRows"/>), with <c>{n}</c> placeholders for its
        /// parameters, which <paramref name="command"/> of the context's connection creates.
        /// </summary>
        public (string Sql, DbParameter[] Parameters) For(IEnumerable<AgentTask> tasks, DbCommand command)
        {
            var sql = new StringBuilder(_prefix);
            var parameters = new List<DbParameter>();
            foreach (var task in tasks)
            {
                sql.Append(parameters.Count == 0 ? "(" : ", (");
                for (var column = 0; column < _columns.Length; column++)
                {
                    var (property, mapping, nullable) = _columns[column];
                    var index = parameters.Count.ToString(CultureInfo.InvariantCulture);
                    sql.Append(column == 0 ? "{" : ", {").Append(index).Append('}');
                    // The column's own mapping converts the value and sets the provider's type, as SaveChanges would.
                    parameters.Add(mapping.CreateParameter(command, "p" + index, property.GetValue(task), nullable));
                }

                sql.Append(')');
            }

            return (sql.ToString(), [.. parameters]);
        }
    }
}
