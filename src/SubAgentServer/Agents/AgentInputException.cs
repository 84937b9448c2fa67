namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>Agent parameters that cannot be run; the message tells the caller what to change.</summary>
internal sealed class AgentInputException(string message) : Exception(message);
