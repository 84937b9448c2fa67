namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>How a sub-agent run ended (the <c>status</c> of <c>run_agent</c>).</summary>
public static class AgentRunStatus
{
    public const string Completed = "completed";
    public const string AuthRequired = "auth_required";

    /// <summary>Tool calls wait for the user's approval: the result lists them with the links to approve or deny them.</summary>
    public const string ApprovalRequired = "approval_required";
    public const string Failed = "failed";
}
