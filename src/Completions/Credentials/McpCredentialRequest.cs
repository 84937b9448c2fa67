namespace McpSubAgent.Completions.Credentials;

/// <summary>What the engine asks the credential port for.</summary>
/// <param name="UserKey">The stable id of the user the run is for.</param>
/// <param name="Profile">The profile of the run, if any: a user may hold several logins to one server.</param>
/// <param name="ServerUrl">The MCP server.</param>
/// <param name="RequestHeaders">The headers the request itself gives for this server.</param>
public sealed record McpCredentialRequest(
    string UserKey,
    string? Profile,
    Uri ServerUrl,
    IReadOnlyDictionary<string, string> RequestHeaders)
{
    /// <summary>An <c>Authorization</c> value the server answered with 401, when the engine asks again.</summary>
    public string? RejectedAuthorization { get; init; }

    /// <summary>The server's <c>WWW-Authenticate</c> challenge that came with that 401, if any.</summary>
    public string? Challenge { get; init; }
}
