namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>One of the person's MCP servers.</summary>
internal sealed record ServerView(string Id, string Url, bool Enabled)
{
    public static ServerView From(ChatServer server) => new(server.Id, server.Url, server.Enabled);
}
