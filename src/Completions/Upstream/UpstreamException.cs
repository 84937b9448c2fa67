using System.Net;

namespace McpSubAgent.Completions.Upstream;

/// <summary>
/// The upstream LLM failed (an error status after retries, an unreachable endpoint, a broken stream). Hosts answer with
/// the upstream's status and body when nothing was sent yet, and with an error line in the answer otherwise.
/// </summary>
public sealed class UpstreamException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UpstreamException(string message, HttpStatusCode? statusCode = null, string? responseBody = null, string? contentType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ResponseBody = responseBody;
        ContentType = contentType;
    }

    /// <summary>The upstream's status, or null when no response came (network failure, broken stream).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The upstream's error body, passed on to the caller as it was.</summary>
    public string? ResponseBody { get; }

    /// <summary>The content type of <see cref="ResponseBody"/>.</summary>
    public string? ContentType { get; }
}
