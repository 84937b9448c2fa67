using System.Text.Json;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// The claimable tasks, locked for the claiming transaction; rows another worker has locked are skipped, not waited for,
/// so many workers on many replicas claim different tasks at once. Raw SQL: EF Core has no operator for either hint.
/// </summary>
internal static class AgentTaskClaimSql
{
    public static IQueryable<Candidate> LockCandidates(AppDbContext db, AgentTaskClaim claim, int take)
    {
        var (queued, working, authRequired) = (AgentTaskStatus.Queued, AgentTaskStatus.Working, AgentTaskStatus.AuthRequired);
        var (now, authDue) = (claim.Now, claim.AuthDue);
        if (db.Database.IsNpgsql())
        {
            var full = claim.FullOwners.ToArray();
            return db.Database.SqlQuery<Candidate>($"""
                SELECT "Id", "OwnerKey" FROM "AgentTasks"
                WHERE ("Status" = {queued}
                    OR ("Status" = {working} AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now}))
                    OR ("Status" = {authRequired} AND "UpdatedAt" <= {authDue}))
                  AND "OwnerKey" <> ALL({full})
                ORDER BY "CreatedAt"
                LIMIT {take}
                FOR UPDATE SKIP LOCKED
                """);
        }

        if (db.Database.IsSqlServer())
        {
            var full = JsonSerializer.Serialize(claim.FullOwners, AgentTaskJsonContext.Default.ListString);
            return db.Database.SqlQuery<Candidate>($"""
                SELECT TOP ({take}) [Id], [OwnerKey] FROM [AgentTasks] WITH (UPDLOCK, READPAST, ROWLOCK)
                WHERE ([Status] = {queued}
                    OR ([Status] = {working} AND ([LeaseExpiresAt] IS NULL OR [LeaseExpiresAt] < {now}))
                    OR ([Status] = {authRequired} AND [UpdatedAt] <= {authDue}))
                  AND [OwnerKey] NOT IN (SELECT [value] FROM OPENJSON({full}))
                ORDER BY [CreatedAt]
                """);
        }

        throw new NotSupportedException($"Locked claims are for PostgreSQL and SQL Server, not {db.Database.ProviderName}.");
    }

    /// <summary>A claimable task (the columns the claim reads).</summary>
    internal sealed class Candidate
    {
        public required string Id { get; init; }

        public required string OwnerKey { get; init; }
    }
}
