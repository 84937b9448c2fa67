namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>An MCP server a person added on the chat page; enabled servers go with each message they send.</summary>
public sealed class ChatServer
{
    public const int IdMaxLength = 32;

    public const int UrlMaxLength = 2048;

    public required string Id { get; init; }

    /// <summary>The account id of the person: the <c>sub</c> of their access tokens, so logins are shared with their MCP clients.</summary>
    public required string UserKey { get; init; }

    public required string Url { get; init; }

    public bool Enabled { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
}
