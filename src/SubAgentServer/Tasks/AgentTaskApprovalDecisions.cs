namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// Puts a task that waits in <c>input_required</c> back in the queue once its owner has decided every call it waits on,
/// so that a worker (on any replica) resumes it. The task holds no worker while it waits. (The worker's cleanup sweep
/// queues tasks whose last decision was recorded by a process that stopped before it got here.)
/// </summary>
internal sealed partial class AgentTaskApprovalDecisions(IServiceScopeFactory scopes, AgentTaskRunRegistry registry, ILogger<AgentTaskApprovalDecisions> logger)
{
    /// <summary>Called after the owner decided <paramref name="approvalId"/>.</summary>
    public async Task DecidedAsync(string ownerKey, string approvalId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<AgentTaskStore>();
        if (await store.QueueDecidedAsync(ownerKey, approvalId, cancellationToken))
        {
            LogQueued(logger, approvalId);
            registry.WakeWorker();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "An agent task's held calls were decided (last: {ApprovalId}); it is queued to resume")]
    private static partial void LogQueued(ILogger logger, string approvalId);
}
