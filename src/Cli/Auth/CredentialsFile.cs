using System.Text.Json.Serialization;

namespace McpSubAgent.Cli.Auth;

/// <summary>The content of <c>credentials.json</c>: the servers signed in to, and the one used by default.</summary>
internal sealed record CredentialsFile
{
    [JsonPropertyName("default_server")]
    public string? DefaultServer { get; init; }

    [JsonPropertyName("servers")]
    public Dictionary<string, ServerCredentials> Servers { get; init; } = new(StringComparer.Ordinal);
}
