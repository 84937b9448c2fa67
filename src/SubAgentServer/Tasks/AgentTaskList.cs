using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>The answer of <c>list_agent_tasks</c>: the caller's tasks, newest first.</summary>
internal sealed record AgentTaskList([property: JsonPropertyName("tasks")] IReadOnlyList<AgentTaskView> Tasks);
