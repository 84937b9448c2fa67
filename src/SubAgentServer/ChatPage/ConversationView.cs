using System.Text.Json.Nodes;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>A whole conversation: its messages as the page sends them to <c>/v1/chat/completions</c>.</summary>
internal sealed record ConversationView(string Id, string Title, string? Model, JsonArray Messages, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ConversationView From(ChatConversation conversation) => new(
        conversation.Id,
        conversation.Title,
        conversation.Model,
        JsonNode.Parse(conversation.MessagesJson) as JsonArray ?? [],
        conversation.CreatedAt,
        conversation.UpdatedAt);
}
