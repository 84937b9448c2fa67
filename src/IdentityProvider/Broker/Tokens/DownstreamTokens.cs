using System.Text.Json.Serialization.Metadata;

namespace McpSubAgent.IdentityProvider.Broker.Tokens;

/// <summary>
/// The tokens of one connection, stored encrypted (<see cref="TokenProtector"/> with <see cref="TypeInfo"/>) in
/// <see cref="Storage.DownstreamConnection.ProtectedTokens"/>.
/// </summary>
/// <param name="AccessToken">The downstream server's access token.</param>
/// <param name="RefreshToken">Its refresh token, if the server issued one.</param>
/// <param name="TokenType">The token type, normally <c>Bearer</c>.</param>
public sealed record DownstreamTokens(string AccessToken, string? RefreshToken, string TokenType)
{
    /// <summary>The stored JSON form (snake_case, as every broker record).</summary>
    public static JsonTypeInfo<DownstreamTokens> TypeInfo => BrokerJsonContext.Default.DownstreamTokens;
}
