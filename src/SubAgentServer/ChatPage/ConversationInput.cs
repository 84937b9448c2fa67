using System.Text.Json.Nodes;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>Creates a conversation or changes it: a field left out stays as it is.</summary>
internal sealed record ConversationInput(string? Title, string? Model, JsonArray? Messages);
