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

    public Func<AppDbContext, string, string, int, IAsyncEnumerable<AgentTask>> NewestOfOwnerWithStatus { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, string ownerKey, string status, int limit) => db.AgentTasks.AsNoTracking()
            .Where(t => t.OwnerKey == ownerKey && t.Status == status)
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Take(limit));

    public Func<AppDbContext, string, int, CancellationToken, Task<int>> UnfinishedOfOwner { get; } = EF.CompileAsyncQuery(
        (AppDbContext db, string ownerKey, int limit, CancellationToken cancellationToken) => db.AgentTasks
            .Where(t => t.OwnerKey == ownerKey
                && (t.Status == AgentTaskStatus.Queued || t.Status == AgentTaskStatus.Working || t.Status == AgentTaskStatus.AuthRequired
                    || t.Status == AgentTaskStatus.InputRequired))
            .Take(limit)
            .Count());
}
