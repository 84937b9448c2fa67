using McpSubAgent.Completions.Usage;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Usage;

/// <summary>
/// Adds every run's tokens to its (user key, model, day) row when the run ends: chat completions, <c>run_agent</c> and
/// task runs alike. An upsert (an increment) in the database, so replicas and concurrent runs never lose a count.
/// </summary>
internal sealed partial class UsageRecorder(IServiceScopeFactory scopes, TimeProvider timeProvider, ILogger<UsageRecorder> logger) : ICompletionRunObserver
{
    public async ValueTask OnRunCompletedAsync(CompletionRunReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var day = DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime);
        var model = report.Model.Length > UsageRecord.ModelMaxLength ? report.Model[..UsageRecord.ModelMaxLength] : report.Model;
        var usage = report.TotalUsage;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if (!db.Database.IsSqlServer())
        {
            // One statement, no race: the day's first runs used to try the insert together, and every loser's unique-key
            // violation was logged as an EF Core error before the retry added to the winner's row.
            await UpsertAsync(db, report.UserKey, model, day, usage, cancellationToken);
            return;
        }

        // SQL Server has no INSERT ... ON CONFLICT (and MERGE needs locking hints to be safe): update, else insert.
        for (var attempt = 1; ; attempt++)
        {
            if (await IncrementAsync(db, report.UserKey, model, day, usage, cancellationToken) == 1)
            {
                return;
            }

            db.UsageRecords.Add(new UsageRecord
            {
                UserKey = report.UserKey,
                Model = model,
                Day = day,
                Requests = 1,
                PromptTokens = usage.PromptTokens,
                CompletionTokens = usage.CompletionTokens,
                TotalTokens = usage.TotalTokens,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException ex) when (attempt < 3)
            {
                // Another run inserted the day's row first: add to it instead.
                LogInsertRaced(logger, ex);
                db.ChangeTracker.Clear();
            }
        }
    }

    // Plain SQL (the quoted names read the same on SQLite, PostgreSQL and SQL Server): every run ends here, and EF Core's
    // ExecuteUpdate spent most of this write on its expression tree (parameters, cache key) rather than on the update.
    private static Task<int> IncrementAsync(AppDbContext db, string userKey, string model, DateOnly day, TokenUsage usage, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE "UsageRecords" SET "Requests" = "Requests" + 1, "PromptTokens" = "PromptTokens" + {usage.PromptTokens},
                "CompletionTokens" = "CompletionTokens" + {usage.CompletionTokens}, "TotalTokens" = "TotalTokens" + {usage.TotalTokens}
            WHERE "UserKey" = {userKey} AND "Model" = {model} AND "Day" = {day}
            """, cancellationToken);

    // SQLite (3.24+) and PostgreSQL read the same upsert; the conflict target is the unique (UserKey, Model, Day) index.
    private static Task<int> UpsertAsync(AppDbContext db, string userKey, string model, DateOnly day, TokenUsage usage, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO "UsageRecords" ("UserKey", "Model", "Day", "Requests", "PromptTokens", "CompletionTokens", "TotalTokens")
            VALUES ({userKey}, {model}, {day}, 1, {usage.PromptTokens}, {usage.CompletionTokens}, {usage.TotalTokens})
            ON CONFLICT ("UserKey", "Model", "Day") DO UPDATE SET "Requests" = "UsageRecords"."Requests" + 1,
                "PromptTokens" = "UsageRecords"."PromptTokens" + excluded."PromptTokens",
                "CompletionTokens" = "UsageRecords"."CompletionTokens" + excluded."CompletionTokens",
                "TotalTokens" = "UsageRecords"."TotalTokens" + excluded."TotalTokens"
            """, cancellationToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A usage row was inserted concurrently; adding to it")]
    private static partial void LogInsertRaced(ILogger logger, Exception exception);
}
