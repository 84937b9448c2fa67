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

    /// <summary>
    /// Waits until the login that <see cref="GetCredentialAsync"/> asked for has completed, for at most
    /// <paramref name="timeout"/>; true when it has. A provider that cannot tell answers false at once, and the run
    /// ends with the login link as usual.
    /// </summary>
    ValueTask<bool> WaitForLoginAsync(McpCredentialRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);
}
