namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// What a pooled connection is shared by: one user (and profile) on one server with one set of headers, so no
/// connection ever carries one user's credentials for another.
/// </summary>
internal readonly record struct McpConnectionKey(string UserKey, string? Profile, Uri ServerUrl, string HeadersFingerprint);
