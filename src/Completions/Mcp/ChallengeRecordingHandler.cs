using System.Net;

namespace McpSubAgent.Completions.Mcp;

/// <summary>Remembers the last <c>WWW-Authenticate</c> challenge of a 401, which the MCP SDK does not surface.</summary>
internal sealed class ChallengeRecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public string? LastChallenge { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            LastChallenge = response.Headers.WwwAuthenticate.ToString();
        }

        return response;
    }
}
