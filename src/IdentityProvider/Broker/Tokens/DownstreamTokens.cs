namespace McpSubAgent.IdentityProvider.Broker.Tokens;

/// <summary>The tokens of one connection, stored encrypted.</summary>
internal sealed record DownstreamTokens(string AccessToken, string? RefreshToken, string TokenType);
