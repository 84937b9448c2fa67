namespace McpSubAgent.Completions.Mcp;

/// <summary>An MCP server answered 401: the credential is missing, expired or refused.</summary>
internal sealed class McpUnauthorizedException(Uri serverUrl, string? challenge, Exception innerException)
    : Exception($"{serverUrl} refused the credentials (HTTP 401).", innerException)
{
    public Uri ServerUrl { get; } = serverUrl;

    public string? Challenge { get; } = challenge;
}
