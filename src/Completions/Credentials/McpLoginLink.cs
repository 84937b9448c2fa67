namespace McpSubAgent.Completions.Credentials;

/// <summary>A login the user must complete before a server's tools can run.</summary>
/// <param name="ServerUrl">The MCP server that needs the login.</param>
/// <param name="Url">The link that starts the login.</param>
public sealed record McpLoginLink(Uri ServerUrl, Uri Url);
