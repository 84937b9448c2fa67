namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>A row of the person's conversation list.</summary>
internal sealed record ConversationSummary(string Id, string Title, DateTimeOffset UpdatedAt)
{
    public static ConversationSummary From(ChatConversation conversation) => new(conversation.Id, conversation.Title, conversation.UpdatedAt);
}
