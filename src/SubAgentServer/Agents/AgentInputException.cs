namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>Agent parameters that cannot be run; the message tells the caller what to change.</summary>
public sealed class AgentInputException(string message) : Exception(message);
