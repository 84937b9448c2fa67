using System.Globalization;
using System.Text.Json;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.Approvals;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// The task queries: the owner's reads and writes, and the worker's lease protocol. Every write of a worker is
/// conditional on its lease (and on the task still working), so a replica that lost a task, or a task that was
/// cancelled, is never overwritten.
/// </summary>
internal sealed class AgentTaskStore(AppDbContext db, AgentTaskQueries queries, AgentTaskInserter inserter, TimeProvider timeProvider, IOptions<AgentTaskOptions> options)
{
    /// <summary>Creates a task that runs <paramref name="run"/>; <paramref name="baseUri"/> is the origin for the links its run makes.</summary>
    /// <exception cref="TaskLimitException">
    /// The owner already has <see cref="AgentTaskOptions.MaxPendingTasksPerUser"/> tasks that have not ended; nothing is stored.
    /// </exception>
    public async Task<AgentTask> CreateAsync(string ownerKey, AgentTaskRun run, bool store, Uri baseUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var now = timeProvider.GetUtcNow();
        var task = new AgentTask
        {
            Id = AgentTask.NewId(),
            OwnerKey = ownerKey,
            RequestJson = run.ToJson(),
            Status = AgentTaskStatus.Queued,
            Store = store,
            BaseUrl = baseUri.AbsoluteUri,
            CreatedAt = now,
            UpdatedAt = now,
        };
        cancellationToken.ThrowIfCancellationRequested();
        await inserter.AddAsync(task);
        return task;
    }

    /// <summary>The task if it exists and belongs to <paramref name="ownerKey"/>; otherwise null, whichever the reason.</summary>
    public Task<AgentTask?> FindAsync(string ownerKey, string id, CancellationToken cancellationToken) =>
        queries.TaskOfOwner(db, id, ownerKey, cancellationToken);

    /// <summary>The task for the public pages, whose id is the capability.</summary>
    public Task<AgentTask?> FindByIdAsync(string id, CancellationToken cancellationToken) =>
        db.AgentTasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);

    public async Task<IReadOnlyList<AgentTask>> ListAsync(string ownerKey, string? status, int limit, CancellationToken cancellationToken)
    {
        var rows = status is null ? queries.NewestOfOwner(db, ownerKey, limit) : queries.NewestOfOwnerWithStatus(db, ownerKey, status, limit);
        return await ReadAllAsync(rows, cancellationToken);
    }

    /// <summary>Cancels a pending task of the owner; false when there is none (unknown, another user's, or already ended).</summary>
    public async Task<bool> CancelAsync(string ownerKey, string id, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var rows = await db.AgentTasks
            .Where(t => t.Id == id && t.OwnerKey == ownerKey
                && (t.Status == AgentTaskStatus.Queued || t.Status == AgentTaskStatus.Working || t.Status == AgentTaskStatus.AuthRequired
                    || t.Status == AgentTaskStatus.InputRequired))
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, AgentTaskStatus.Cancelled)
                .SetProperty(t => t.UpdatedAt, now)
                .SetProperty(t => t.EndedAt, now)
                .SetProperty(t => t.LeaseOwner, (string?)null)
                .SetProperty(t => t.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
        return rows == 1;
    }

    /// <summary>
    /// Claims up to <paramref name="count"/> tasks for <paramref name="workerId"/>: queued ones, working ones whose
    /// lease expired (their process died), and ones waiting for a login that are due for another try. Of two workers
    /// racing for a task exactly one gets it: on PostgreSQL and SQL Server the candidates are locked, and rows another
    /// worker has locked are skipped rather than waited for (<c>FOR UPDATE SKIP LOCKED</c>, <c>UPDLOCK, READPAST</c>);
    /// on SQLite, which has one writer, the claim holds the write lock from its read to its commit.
    /// </summary>
    /// <param name="workerId">The claiming worker.</param>
    /// <param name="count">How many tasks the worker can start.</param>
    /// <param name="runningByOwner">How many tasks each owner runs at this worker now.</param>
    /// <param name="cancellationToken">Stops the claim.</param>
    /// <remarks>
    /// Fair: no owner gets more than <see cref="AgentTaskOptions.WorkersPerUser"/> of the worker's slots, and the oldest
    /// waiting task of each owner comes before the second-oldest of any, so one user's long queue does not hold up others.
    /// </remarks>
    public async Task<IReadOnlyList<AgentTask>> ClaimAsync(
        string workerId, int count, IReadOnlyDictionary<string, int> runningByOwner, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        var claim = new AgentTaskClaim(now, now - settings.AuthRetryInterval, now + settings.LeaseDuration, settings.WorkersPerUser, runningByOwner);
        var sqlite = db.Database.IsSqlite();

        // Most polls find nothing: on SQLite, look before taking its write lock.
        if (sqlite && !await HasAnyAsync(SqliteCandidates(claim, 1), cancellationToken))
        {
            return [];
        }

        // On SQLite, which has one writer, EF Core begins its transactions IMMEDIATE, taking the write lock first: no
        // other claim can take the candidates read here before this update, and one commit claims the whole batch (a
        // conditional update and a commit per task made 1,000 starts at once wait for each other's commits). Elsewhere
        // the candidates are locked rows.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var candidates = sqlite
            ? await ReadAllAsync(SqliteCandidates(claim, count * 4), cancellationToken)
            : await AgentTaskClaimSql.LockCandidates(db, claim, count * 4).ToListAsync(cancellationToken);
        var ids = claim.Choose(candidates.Select(c => (c.Id, c.OwnerKey)), count);
        if (ids.Count == 0)
        {
            return [];
        }

        // The rows are ours until the commit, so the update needs no condition beyond the ids.
        await db.AgentTasks.Where(t => ids.Contains(t.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Status, AgentTaskStatus.Working)
            .SetProperty(t => t.LeaseOwner, workerId)
            .SetProperty(t => t.LeaseExpiresAt, claim.Expires)
            .SetProperty(t => t.UpdatedAt, claim.Now), cancellationToken);
        var claimed = await ReadAllAsync(queries.WithIds(db, ids), cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // In the fair order the claim chose them.
        var order = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        return [.. claimed.OrderBy(t => order[t.Id])];
    }

    // Compiled: every claim runs these (a LINQ query built and looked up per claim was a quarter of the claim's time).
    private IAsyncEnumerable<AgentTaskClaimSql.Candidate> SqliteCandidates(AgentTaskClaim claim, int take) =>
        queries.SqliteCandidates(db, claim.Now, claim.AuthDue, claim.FullOwners, take);

    private static async Task<bool> HasAnyAsync<T>(IAsyncEnumerable<T> rows, CancellationToken cancellationToken)
    {
        await foreach (var _ in rows.WithCancellation(cancellationToken))
        {
            return true;
        }

        return false;
    }

    private static async Task<List<T>> ReadAllAsync<T>(IAsyncEnumerable<T> rows, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            list.Add(row);
        }

        return list;
    }

    /// <summary>
    /// Renews the leases of every task working under the worker's lease. By the lease owner rather than by a list of
    /// ids: the same rows (a worker id is its own), without a parameter per running task.
    /// </summary>
    public Task<int> RenewLeasesAsync(string workerId, CancellationToken cancellationToken)
    {
        var expires = timeProvider.GetUtcNow() + options.Value.LeaseDuration;
        return db.AgentTasks
            .Where(t => t.Status == AgentTaskStatus.Working && t.LeaseOwner == workerId)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LeaseExpiresAt, expires), cancellationToken);
    }

    /// <summary>
    /// The ids of the tasks still working under the worker's lease; a running task missing from them was cancelled,
    /// deleted or lost. Read by the lease owner, not by the running ids: this runs on every poll, and a list of a
    /// thousand ids was a thousand parameters each time.
    /// </summary>
    public async Task<HashSet<string>> StillOwnedAsync(string workerId, CancellationToken cancellationToken) =>
        [.. await ReadAllAsync(queries.WorkingUnderLease(db, workerId), cancellationToken)];

    /// <summary>Persists a finished round; false when the worker no longer owns the task.</summary>
    public async Task<bool> SaveRoundAsync(
        string workerId, string id, string transcriptJson, int roundsDone, string output, AgentUsage usage, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var expires = now + options.Value.LeaseDuration;
        var rows = await Owned(workerId, id).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.TranscriptJson, transcriptJson)
            .SetProperty(t => t.ApprovalsJson, (string?)null)
            .SetProperty(t => t.RoundsDone, roundsDone)
            .SetProperty(t => t.Output, output)
            .SetProperty(t => t.PromptTokens, usage.PromptTokens)
            .SetProperty(t => t.CompletionTokens, usage.CompletionTokens)
            .SetProperty(t => t.TotalTokens, usage.TotalTokens)
            .SetProperty(t => t.UpdatedAt, now)
            .SetProperty(t => t.LeaseExpiresAt, expires), cancellationToken);
        return rows == 1;
    }

    /// <summary>Records how a run ended and gives up the lease.</summary>
    public async Task<bool> FinishAsync(string workerId, string id, AgentRunResult result, string output, AgentUsage usage, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var status = RunStatus.ForTask(result.Status);
        DateTimeOffset? ended = status is AgentTaskStatus.AuthRequired or AgentTaskStatus.InputRequired ? null : now;
        var links = result.LoginLinks.Count == 0 ? null : JsonSerializer.Serialize([.. result.LoginLinks], AgentTaskJsonContext.Default.ListAgentLoginLink);
        var approvals = status == AgentTaskStatus.InputRequired
            ? JsonSerializer.Serialize([.. result.Approvals], AgentTaskJsonContext.Default.ListAgentApproval)
            : null;
        // Plain SQL (the quoted names read the same on SQLite, PostgreSQL and SQL Server): every task ends here, and EF
        // Core's ExecuteUpdate spent three quarters of this write on its expression tree (parameters, cache key).
        var working = AgentTaskStatus.Working;
        var rows = await db.Database.ExecuteSqlAsync($"""
            UPDATE "AgentTasks" SET "Status" = {status}, "Output" = {output}, "PromptTokens" = {usage.PromptTokens},
                "CompletionTokens" = {usage.CompletionTokens}, "TotalTokens" = {usage.TotalTokens}, "LoginLinksJson" = {links},
                "ApprovalsJson" = {approvals}, "Error" = {result.Error}, "UpdatedAt" = {now}, "EndedAt" = {ended},
                "LeaseOwner" = NULL, "LeaseExpiresAt" = NULL
            WHERE "Id" = {id} AND "LeaseOwner" = {workerId} AND "Status" = {working}
            """, cancellationToken);
        return rows == 1;
    }

    /// <summary>Gives a running task back to the queue (graceful shutdown); its finished rounds stay.</summary>
    public Task<int> ReleaseAsync(string workerId, string id, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return Owned(workerId, id).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Status, AgentTaskStatus.Queued)
            .SetProperty(t => t.UpdatedAt, now)
            .SetProperty(t => t.LeaseOwner, (string?)null)
            .SetProperty(t => t.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
    }

    /// <summary>
    /// Queues the owner's <c>input_required</c> task that waits on <paramref name="approvalId"/> again once every call it
    /// waits on is decided, so that a worker resumes it; false when it still waits or there is none.
    /// </summary>
    public async Task<bool> QueueDecidedAsync(string ownerKey, string approvalId, CancellationToken cancellationToken)
    {
        var waiting = await db.AgentTasks.AsNoTracking()
            .Where(t => t.OwnerKey == ownerKey && t.Status == AgentTaskStatus.InputRequired && t.ApprovalsJson != null)
            .Select(t => new { t.Id, t.ApprovalsJson })
            .ToListAsync(cancellationToken);
        var task = waiting.Select(t => (t.Id, Ids: HeldIds(t.ApprovalsJson!))).FirstOrDefault(t => t.Ids.Contains(approvalId));
        return task.Id is not null && await QueueIfDecidedAsync(task.Id, task.Ids, cancellationToken);
    }

    /// <summary>
    /// Queues the <c>input_required</c> tasks whose calls are all decided but that were not queued (the process that
    /// recorded the last decision stopped before it queued the task); the oldest first, a bounded number per sweep.
    /// </summary>
    public async Task<int> QueueDecidedAsync(int most, CancellationToken cancellationToken)
    {
        var waiting = await db.AgentTasks.AsNoTracking()
            .Where(t => t.Status == AgentTaskStatus.InputRequired && t.ApprovalsJson != null)
            .OrderBy(t => t.UpdatedAt)
            .Select(t => new { t.Id, t.ApprovalsJson })
            .Take(most)
            .ToListAsync(cancellationToken);
        var queued = 0;
        foreach (var task in waiting)
        {
            queued += await QueueIfDecidedAsync(task.Id, HeldIds(task.ApprovalsJson!), cancellationToken) ? 1 : 0;
        }

        return queued;
    }

    private async Task<bool> QueueIfDecidedAsync(string id, List<string> approvalIds, CancellationToken cancellationToken)
    {
        var decided = await db.Set<ToolApproval>().CountAsync(a => approvalIds.Contains(a.Id) && a.Approved != null, cancellationToken);
        if (decided < approvalIds.Count)
        {
            return false;
        }

        // Of two decisions made at once, both may see every call decided: the condition lets one of them queue it.
        var now = timeProvider.GetUtcNow();
        return await db.AgentTasks
            .Where(t => t.Id == id && t.Status == AgentTaskStatus.InputRequired)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, AgentTaskStatus.Queued).SetProperty(t => t.UpdatedAt, now), cancellationToken) == 1;
    }

    private static List<string> HeldIds(string approvalsJson) =>
        [.. (JsonSerializer.Deserialize(approvalsJson, AgentTaskJsonContext.Default.ListAgentApproval) ?? []).Select(a => a.Id)];

    /// <summary>
    /// Deletes ended <c>store: false</c> tasks past their retention, and fails tasks that waited too long for a login or
    /// for the approval of their held tool calls.
    /// </summary>
    public async Task<(int Deleted, int Expired)> CleanUpAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        var deleteBefore = now - settings.RetentionWhenNotStored;
        var deleted = await db.AgentTasks
            .Where(t => !t.Store && t.EndedAt != null && t.EndedAt <= deleteBefore)
            .ExecuteDeleteAsync(cancellationToken);

        var loginBefore = now - settings.AuthRequiredTimeout;
        var expired = await FailAsync(
            db.AgentTasks.Where(t => t.Status == AgentTaskStatus.AuthRequired && t.CreatedAt <= loginBefore),
            $"Nobody logged in to the MCP servers within {settings.AuthRequiredTimeout.TotalHours:0.#} hours; log in and start the task again.",
            now, cancellationToken);

        var decisionBefore = now - settings.MaxApprovalWait;
        expired += await FailAsync(
            db.AgentTasks.Where(t => t.Status == AgentTaskStatus.InputRequired && t.UpdatedAt <= decisionBefore),
            $"Nobody approved or denied the held tool calls within {Duration(settings.MaxApprovalWait)} (Tasks:MaxApprovalWait); " +
                "the calls were not made. Start the task again.",
            now, cancellationToken);
        return (deleted, expired);
    }

    private static Task<int> FailAsync(IQueryable<AgentTask> waiting, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        waiting.ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Status, AgentTaskStatus.Failed)
            .SetProperty(t => t.Error, error)
            .SetProperty(t => t.UpdatedAt, now)
            .SetProperty(t => t.EndedAt, now), cancellationToken);

    private static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? $"{span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} hours"
        : $"{span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} seconds";

    private IQueryable<AgentTask> Owned(string workerId, string id) =>
        db.AgentTasks.Where(t => t.Id == id && t.LeaseOwner == workerId && t.Status == AgentTaskStatus.Working);
}
