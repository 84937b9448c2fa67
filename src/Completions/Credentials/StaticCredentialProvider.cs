using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.Credentials;

/// <summary>
/// Serves fixed credentials: the request's own <c>Authorization</c> header for a server, else the one configured in
/// <see cref="CompletionsOptions.ServerCredentials"/>, else none. It cannot log anyone in, so a server that refuses the
/// credential is reported as unavailable.
/// </summary>
public sealed class StaticCredentialProvider(IOptions<CompletionsOptions> options) : IMcpCredentialProvider
{
    /// <inheritdoc />
    public ValueTask<McpCredential> GetCredentialAsync(McpCredentialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RejectedAuthorization is not null || request.Challenge is not null)
        {
            return ValueTask.FromResult<McpCredential>(new McpCredential.Unavailable(
                $"{request.ServerUrl} requires authentication, and no login broker is configured to log in to it."));
        }

        if (request.RequestHeaders.TryGetValue("Authorization", out var fromRequest))
        {
            return ValueTask.FromResult<McpCredential>(new McpCredential.Ready(fromRequest));
        }

        var configured = ConfiguredFor(options.Value, request.ServerUrl);
        return ValueTask.FromResult(configured is null ? McpCredential.Anonymous : new McpCredential.Ready(configured));
    }

    /// <summary>
    /// The <c>Authorization</c> value configured for a server in <see cref="CompletionsOptions.ServerCredentials"/>, if
    /// any: for credential providers of hosts that serve these fixed values before their own.
    /// </summary>
    /// <param name="options">The engine's settings.</param>
    /// <param name="serverUrl">The MCP server URL, compared exactly with each configured one.</param>
    /// <returns>The configured value, or null.</returns>
    public static string? ConfiguredFor(CompletionsOptions options, Uri serverUrl)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ServerCredentials.FirstOrDefault(c => Uri.TryCreate(c.ServerUrl, UriKind.Absolute, out var url) && url == serverUrl)?.Authorization;
    }
}
