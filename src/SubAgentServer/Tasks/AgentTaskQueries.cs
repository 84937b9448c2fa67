using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// The task queries that run on every poll and every start, compiled once per host (a singleton: a compiled query is
/// bound to the model it first runs against, and one process may host servers on different databases, as the tests do).
/// The count of unfinished tasks uses the (OwnerKey, Status) index.
/// </summary>
internal sealed class AgentTaskQueries
{
    public Func<AppDbContext, string, string, CancellationToken, Task<AgentTask?>> TaskOfOwner { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, string id, string ownerKey, CancellationToken cancellationToken) => db.AgentTasks.AsNoTracking().FirstOrDefault(t => t.Id == id && t.OwnerKey == ownerKey));

    public Func<AppDbContext, string, int, IAsyncEnumerable<AgentTask>> NewestOfOwner { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, string ownerKey, int limit) => db.AgentTasks.AsNoTracking()
            .Where(t => t.OwnerKey == ownerKey)
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Take(limit));

    /// <summary>The ids of the tasks working under the worker's lease.</summary>
    public Func<AppDbContext, string, IAsyncEnumerable<string>> WorkingUnderLease { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, string workerId) => db.AgentTasks.AsNoTracking()
            .Where(t => t.Status == AgentTaskStatus.Working && t.LeaseOwner == workerId)
            .Select(t => t.Id));

    public Func<AppDbContext, string, string, int, IAsyncEnumerable<AgentTask>> NewestOfOwnerWithStatus { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, string ownerKey, string status, int limit) => db.AgentTasks.AsNoTracking()
            .Where(t => t.OwnerKey == ownerKey && t.Status == status)
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Take(limit));

    public Func<AppDbContext, string, int, CancellationToken, Task<int>> UnfinishedOfOwner { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, string ownerKey, int limit, CancellationToken cancellationToken) => db.AgentTasks
            .Where(t => t.OwnerKey == ownerKey
                && (t.Status == AgentTaskStatus.Queued || t.Status == AgentTaskStatus.Working || t.Status == AgentTaskStatus.AuthRequired
                    || t.Status == AgentTaskStatus.InputRequired))
            .OrderBy(t => t.Status) // any order counts the same; this one is the index's, and without one EF Core warns (10102)
            .Take(limit)
            .Count());

    /// <summary>The claimable tasks on SQLite, oldest first, without locks (the claim's transaction holds the one write lock).</summary>
    public Func<AppDbContext, DateTimeOffset, DateTimeOffset, List<string>, int, IAsyncEnumerable<AgentTaskClaimSql.Candidate>> SqliteCandidates { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, DateTimeOffset now, DateTimeOffset authDue, List<string> fullOwners, int take) => db.AgentTasks.AsNoTracking()
            .Where(t => t.Status == AgentTaskStatus.Queued
                || (t.Status == AgentTaskStatus.Working && (t.LeaseExpiresAt == null || t.LeaseExpiresAt < now))
                || (t.Status == AgentTaskStatus.AuthRequired && t.UpdatedAt <= authDue))
            .Where(t => !fullOwners.Contains(t.OwnerKey))
            .OrderBy(t => t.CreatedAt)
            .Select(t => new AgentTaskClaimSql.Candidate { Id = t.Id, OwnerKey = t.OwnerKey })
            .Take(take));

    /// <summary>The tasks with the given ids (a claim's, once updated).</summary>
    public Func<AppDbContext, List<string>, IAsyncEnumerable<AgentTask>> WithIds { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, List<string> ids) => db.AgentTasks.AsNoTracking().Where(t => ids.Contains(t.Id)));
}
