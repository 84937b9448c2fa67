namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>Adds a server (<c>url</c>, and <c>enabled</c>, true when left out) or switches one on or off (<c>enabled</c>).</summary>
internal sealed record ServerInput(string? Url, bool? Enabled);
