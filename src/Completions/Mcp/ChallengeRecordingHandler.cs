using System.Net;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// Remembers the last <c>WWW-Authenticate</c> challenge of a 401, or of a 403 that asks for a wider scope
/// (<c>insufficient_scope</c>), which the MCP SDK does not surface.
/// </summary>
internal sealed class ChallengeRecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public string? LastChallenge { get; private set; }

    /// <summary>Whether a 403 asked for a wider scope: a new login with that scope may help, as after a 401.</summary>
    public bool InsufficientScope { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            LastChallenge = response.Headers.WwwAuthenticate.ToString();
        }
        else if (response.StatusCode == HttpStatusCode.Forbidden
            && response.Headers.WwwAuthenticate.ToString() is { } challenge
            && challenge.Contains("insufficient_scope", StringComparison.Ordinal))
        {
            LastChallenge = challenge;
            InsufficientScope = true;
        }

        return response;
    }
}
