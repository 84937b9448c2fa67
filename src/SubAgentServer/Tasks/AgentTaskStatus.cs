namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>The <c>status</c> values of a task.</summary>
public static class AgentTaskStatus
{
    public const string Queued = "queued";
    public const string Working = "working";
    public const string AuthRequired = "auth_required";

    /// <summary>Tool calls wait for the owner's approval (the MCP tasks word); the task holds no worker meanwhile.</summary>
    public const string InputRequired = "input_required";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public const int MaxLength = 16;

    public static readonly IReadOnlyList<string> All = [Queued, Working, AuthRequired, InputRequired, Completed, Failed, Cancelled];

    /// <summary>True while the task may still produce output.</summary>
    public static bool IsPending(string status) => status is Queued or Working or AuthRequired or InputRequired;
}
