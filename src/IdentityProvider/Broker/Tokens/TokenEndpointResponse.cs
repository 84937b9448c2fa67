using System.Text.Json.Serialization;

namespace McpSubAgent.IdentityProvider.Broker.Tokens;

/// <summary>
/// A token endpoint's answer (RFC 6749 §5.1 and §5.2), success and error in one shape. Ours: the MCP SDK's
/// <c>TokenResponse</c> is internal in ModelContextProtocol 2.3.1 and has no error fields.
/// <c>expires_in</c> is read from a JSON string too, as some servers send it (Azure AD v1).
/// </summary>
internal sealed record TokenEndpointResponse(
    string? AccessToken,
    string? TokenType,
    [property: JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] long? ExpiresIn,
    string? RefreshToken,
    string? Scope,
    string? Error,
    string? ErrorDescription);
