namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>Which surface started a task (the <c>surface</c> of its stored run).</summary>
internal static class AgentTaskSurface
{
    /// <summary><c>start_agent_task</c> of <c>/mcp</c>.</summary>
    public const string AgentTask = "agent_task";

    /// <summary><c>background: true</c> on <c>/v1/chat/completions</c>.</summary>
    public const string ChatCompletion = "chat_completion";

    /// <summary><c>background: true</c> on <c>/v1/responses</c>.</summary>
    public const string Response = "response";
}
