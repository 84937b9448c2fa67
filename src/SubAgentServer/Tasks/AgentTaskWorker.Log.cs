namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>What the worker logs: a run's progress and end, and the queue's failures, each with its exception.</summary>
internal sealed partial class AgentTaskWorker
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Running agent task {TaskId} from round {Rounds}")]
    private static partial void LogRunning(ILogger logger, string taskId, int rounds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent task {TaskId} ended as {Status}")]
    private static partial void LogFinished(ILogger logger, string taskId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent task {TaskId} was cancelled or taken over by another worker; its run stops")]
    private static partial void LogLost(ILogger logger, string taskId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent task {TaskId} failed")]
    private static partial void LogRunFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the end of agent task {TaskId}")]
    private static partial void LogFinishFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not give agent task {TaskId} back to the queue")]
    private static partial void LogReleaseFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming agent tasks failed")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the leases of agent tasks failed")]
    private static partial void LogLeaseRenewalFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Deleted} expired agent tasks; {Expired} tasks waited too long for a login or an approval")]
    private static partial void LogCleanedUp(ILogger logger, int deleted, int expired);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Deleted} stored responses past their retention")]
    private static partial void LogResponsesDeleted(ILogger logger, int deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cleaning up agent tasks failed")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception);
}
