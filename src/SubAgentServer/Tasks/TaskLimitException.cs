namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>A user has as many unfinished agent tasks as <see cref="AgentTaskOptions.MaxPendingTasksPerUser"/> allows.</summary>
internal sealed class TaskLimitException(string message) : Exception(message)
{
    /// <summary>A reasonable time to wait before starting another.</summary>
    public static TimeSpan RetryAfter => TimeSpan.FromSeconds(30);
}
