namespace McpSubAgent.Cli.Auth;

/// <summary>A token endpoint answer: the credentials with the new tokens, or the OAuth error and its description.</summary>
internal sealed record TokenResponse(ServerCredentials? Tokens, string? Error, string? Description);
