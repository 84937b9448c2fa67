using McpSubAgent.Completions.Usage;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>
/// The status words of a run on every surface, and the one place where the engine's <see cref="RunOutcome"/> becomes
/// them. The surfaces share the words where they mean the same thing and differ where their contracts do:
/// <c>run_agent</c> says <c>approval_required</c> where a task, in the MCP tasks' word, is <c>input_required</c>, and a
/// response of <c>/v1/responses</c> is <c>in_progress</c> while its task works or waits for a login.
/// </summary>
public static class RunStatus
{
    public const string Queued = "queued";
    public const string Working = "working";
    public const string Completed = "completed";
    public const string AuthRequired = "auth_required";

    /// <summary><c>run_agent</c>: tool calls wait for the user's approval; the result lists them with their links.</summary>
    public const string ApprovalRequired = "approval_required";

    /// <summary>A task: tool calls wait for the owner's approval (the MCP tasks word); the task holds no worker meanwhile.</summary>
    public const string InputRequired = "input_required";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>A response: queued, running, or waiting for a login.</summary>
    public const string InProgress = "in_progress";

    /// <summary>A response that stopped short (round or token limit, content filter).</summary>
    public const string Incomplete = "incomplete";

    /// <summary>How a run that ended with <paramref name="outcome"/> reports itself (the <c>status</c> of <c>run_agent</c>).</summary>
    public static string FromOutcome(RunOutcome outcome) => outcome switch
    {
        RunOutcome.LoginRequired => AuthRequired,
        RunOutcome.ApprovalRequired => ApprovalRequired,
        RunOutcome.Failed => Failed,
        RunOutcome.Cancelled => Cancelled,

        // The model answered, called the caller's tools, or used up its rounds: the run is done, with what it has.
        _ => Completed,
    };

    /// <summary>The status of a task whose run ended as <paramref name="runStatus"/> (of <see cref="FromOutcome"/>).</summary>
    public static string ForTask(string runStatus) => runStatus switch
    {
        ApprovalRequired => InputRequired,
        AuthRequired or Failed or Cancelled => runStatus,
        _ => Completed,
    };

    /// <summary>The status of a background response that follows a task of <paramref name="taskStatus"/> (null: the task is gone).</summary>
    public static string ForResponse(string? taskStatus) => taskStatus switch
    {
        Queued => Queued,
        Working or AuthRequired => InProgress,
        Completed => Completed,
        Cancelled => Cancelled,
        _ => Failed,
    };

    /// <summary>The status of a response whose run ended with <paramref name="outcome"/> and the model's <paramref name="finishReason"/>, and why it is incomplete.</summary>
    public static (string Status, string? IncompleteReason) ForResponse(string finishReason, RunOutcome outcome) => (finishReason, outcome) switch
    {
        ("length", _) => (Incomplete, "max_output_tokens"),
        ("content_filter", _) => (Incomplete, "content_filter"),
        (_, RunOutcome.MaxRoundsReached) => (Incomplete, "max_rounds"),
        _ => (Completed, null),
    };
}
