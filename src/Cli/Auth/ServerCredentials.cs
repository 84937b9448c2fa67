using System.Text.Json.Serialization;

namespace McpSubAgent.Cli.Auth;

/// <summary>What the CLI keeps for one server after signing in: its registered client and the person's tokens.</summary>
internal sealed record ServerCredentials
{
    [JsonPropertyName("client_id")]
    public required string ClientId { get; init; }

    [JsonPropertyName("token_endpoint")]
    public required Uri TokenEndpoint { get; init; }

    [JsonPropertyName("revocation_endpoint")]
    public Uri? RevocationEndpoint { get; init; }

    /// <summary>The grant types the server gave the registered client; absent for clients registered before the device flow.</summary>
    [JsonPropertyName("grant_types")]
    public IReadOnlyList<string>? GrantTypes { get; init; }

    [JsonPropertyName("access_token")]
    public string? AccessToken { get; init; }

    [JsonPropertyName("access_token_expires_at")]
    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    [JsonPropertyName("refresh_token")]
    public string? RefreshToken { get; init; }
}
