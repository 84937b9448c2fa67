using McpSubAgent.Completions.Approvals;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// Puts a task that waits in <c>input_required</c> back in the queue once its owner has decided every call it waits on,
/// so that a worker (on any replica) resumes it. The task holds no worker while it waits.
/// </summary>
internal sealed partial class AgentTaskApprovalDecisions(
    IServiceScopeFactory scopes, IMcpApprovalStore approvals, AgentTaskRunRegistry registry, ILogger<AgentTaskApprovalDecisions> logger)
{
    /// <summary>Called after the owner decided <paramref name="approvalId"/>.</summary>
    public async Task DecidedAsync(string ownerKey, string approvalId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<AgentTaskStore>();
        if (await store.QueueDecidedAsync(ownerKey, approvalId, IsDecidedAsync, cancellationToken))
        {
            LogQueued(logger, approvalId);
            registry.WakeWorker();
        }

        async Task<bool> IsDecidedAsync(string id) => await approvals.FindAsync(id, cancellationToken) is { Approved: not null };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "An agent task's held calls were decided (last: {ApprovalId}); it is queued to resume")]
    private static partial void LogQueued(ILogger logger, string approvalId);
}
