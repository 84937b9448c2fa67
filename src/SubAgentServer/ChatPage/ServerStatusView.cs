namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>
/// A server as a run would find it now for this person: <c>connected</c> (with its tools), <c>needs_login</c> (with a
/// fresh login link) or <c>unreachable</c> (with the reason).
/// </summary>
internal sealed record ServerStatusView(string Id, string Url, string Status, IReadOnlyList<ToolView>? Tools, string? LoginUrl, string? Problem)
{
    public const string Connected = "connected";

    public const string NeedsLogin = "needs_login";

    public const string Unreachable = "unreachable";
}
