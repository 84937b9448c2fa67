using McpSubAgent.Completions.Usage;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Usage;

/// <summary>
/// Adds every run's tokens to its (user key, model, day) row when the run ends: chat completions, <c>run_agent</c> and
/// task runs alike. An increment in the database, so replicas and concurrent runs never lose a count.
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

    private static Task<int> IncrementAsync(AppDbContext db, string userKey, string model, DateOnly day, TokenUsage usage, CancellationToken cancellationToken) =>
        db.UsageRecords
            .Where(r => r.UserKey == userKey && r.Model == model && r.Day == day)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Requests, r => r.Requests + 1)
                .SetProperty(r => r.PromptTokens, r => r.PromptTokens + usage.PromptTokens)
                .SetProperty(r => r.CompletionTokens, r => r.CompletionTokens + usage.CompletionTokens)
                .SetProperty(r => r.TotalTokens, r => r.TotalTokens + usage.TotalTokens), cancellationToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A usage row was inserted concurrently; adding to it")]
    private static partial void LogInsertRaced(ILogger logger, Exception exception);
}
