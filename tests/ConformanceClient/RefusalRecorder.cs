using System.Net;

namespace McpSubAgent.ConformanceClient;

/// <summary>Remembers the server's last refusal (401, or 403 with a challenge) and its <c>WWW-Authenticate</c> challenge.</summary>
internal sealed class RefusalRecorder() : DelegatingHandler(new HttpClientHandler())
{
    public string? Challenge { get; private set; }

    public bool Refused { get; private set; }

    public void Reset()
    {
        Challenge = null;
        Refused = false;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            Refused = true;
            Challenge = response.Headers.WwwAuthenticate.ToString();
        }

        return response;
    }
}
