namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>A tool of a connected server.</summary>
internal sealed record ToolView(string Name, string? Description);
