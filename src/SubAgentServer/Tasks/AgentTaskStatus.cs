using McpSubAgent.SubAgentServer.Agents;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>The <c>status</c> values of a task: the words of <see cref="RunStatus"/> that a task can have.</summary>
public static class AgentTaskStatus
{
    public const string Queued = RunStatus.Queued;
    public const string Working = RunStatus.Working;
    public const string AuthRequired = RunStatus.AuthRequired;

    /// <inheritdoc cref="RunStatus.InputRequired"/>
    public const string InputRequired = RunStatus.InputRequired;
    public const string Completed = RunStatus.Completed;
    public const string Failed = RunStatus.Failed;
    public const string Cancelled = RunStatus.Cancelled;

    public const int MaxLength = 16;

    public static readonly IReadOnlyList<string> All = [Queued, Working, AuthRequired, InputRequired, Completed, Failed, Cancelled];

    /// <summary>True while the task may still produce output.</summary>
    public static bool IsPending(string status) => status is Queued or Working or AuthRequired or InputRequired;
}
