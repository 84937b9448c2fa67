namespace McpSubAgent.IdentityProvider.Broker.Tokens;

/// <summary>A token endpoint's answer (RFC 6749 §5.1 and §5.2).</summary>
internal sealed record TokenEndpointResponse(
    string? AccessToken,
    string? TokenType,
    long? ExpiresIn,
    string? RefreshToken,
    string? Scope,
    string? Error,
    string? ErrorDescription);
