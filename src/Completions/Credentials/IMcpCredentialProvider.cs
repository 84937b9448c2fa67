namespace McpSubAgent.Completions.Credentials;

/// <summary>
/// The port through which the engine asks for the credentials of a downstream MCP server, per
/// (user key, profile, server URL). The host's login broker implements it; <see cref="StaticCredentialProvider"/>
/// serves fixed headers.
/// </summary>
public interface IMcpCredentialProvider
{
    /// <summary>
    /// Returns the <c>Authorization</c> value to send (or none), or a login link when the user must log in first.
    /// When <see cref="McpCredentialRequest.RejectedAuthorization"/> is set, the server refused that value with 401
    /// and the provider may refresh it once.
    /// </summary>
    ValueTask<McpCredential> GetCredentialAsync(McpCredentialRequest request, CancellationToken cancellationToken);
}
