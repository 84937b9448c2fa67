using McpSubAgent.Completions.Approvals;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>
/// Approvals in the database, so that any replica can show, decide and use one. Deciding and using are single
/// conditional updates: of two attempts at once, one wins.
/// </summary>
internal sealed class EfMcpApprovalStore(IServiceScopeFactory scopes, ApprovalWebhook webhook, TimeProvider timeProvider) : IMcpApprovalStore
{
    /// <summary>How long used and expired approvals are kept (for the page to say what became of them) before they are swept.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    public async Task AddAsync(IReadOnlyList<McpToolApproval> approvals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approvals);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = timeProvider.GetUtcNow();
        foreach (var a in approvals)
        {
            db.Add(new ToolApproval
            {
                Id = a.Id, UserKey = a.UserKey, ServerUrl = a.ServerUrl.AbsoluteUri, ToolName = a.ToolName, Arguments = a.Arguments,
                ArgumentsDigest = a.ArgumentsDigest, CallId = a.CallId, RoundMessage = a.RoundMessage, CreatedAt = now, ExpiresAt = a.ExpiresAt,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        var stale = now - Retention;
        await db.Set<ToolApproval>().Where(a => a.ExpiresAt < stale).ExecuteDeleteAsync(cancellationToken);
        foreach (var approval in approvals)
        {
            webhook.Enqueue(approval);
        }
    }

    public async Task<McpToolApproval?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var a = await db.Set<ToolApproval>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        return a is null ? null : new McpToolApproval(a.Id, a.UserKey, new Uri(a.ServerUrl), a.ToolName, a.Arguments, a.ArgumentsDigest, a.CallId,
            a.RoundMessage, a.ExpiresAt) { Approved = a.Approved, Used = a.Used };
    }

    public async Task<bool> DecideAsync(string id, string userKey, bool approve, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Set<ToolApproval>()
            .Where(a => a.Id == id && a.UserKey == userKey && a.Approved == null && !a.Used && a.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Approved, approve), cancellationToken) == 1;
    }

    public async Task<bool> TryUseAsync(string id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Set<ToolApproval>().Where(a => a.Id == id && !a.Used)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Used, true), cancellationToken) == 1;
    }
}
