namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>A conversation of the chat page: its messages are kept as the page sends them to <c>/v1/chat/completions</c>.</summary>
public sealed class ChatConversation
{
    public const int TitleMaxLength = 200;

    public required string Id { get; init; }

    /// <summary>The account id of the person it belongs to.</summary>
    public required string UserKey { get; init; }

    public required string Title { get; set; }

    /// <summary>A JSON array of <c>{role, content}</c> messages.</summary>
    public required string MessagesJson { get; set; }

    /// <summary>The model last used in it, if any.</summary>
    public string? Model { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }
}
