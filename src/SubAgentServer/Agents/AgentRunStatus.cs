namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>How a sub-agent run ended (the <c>status</c> of <c>run_agent</c>).</summary>
public static class AgentRunStatus
{
    public const string Completed = "completed";
    public const string AuthRequired = "auth_required";
    public const string Failed = "failed";
}
