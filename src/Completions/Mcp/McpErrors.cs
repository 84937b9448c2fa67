using System.Globalization;
using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace McpSubAgent.Completions.Mcp;

/// <summary>Classifies the exceptions of the MCP client into what the engine does about them.</summary>
internal static class McpErrors
{
    public static bool IsUnauthorized(Exception exception) => HasStatus(exception, HttpStatusCode.Unauthorized);

    public static bool IsForbidden(Exception exception) => HasStatus(exception, HttpStatusCode.Forbidden);

    /// <summary>
    /// Whether the server no longer knows the session (404 to a request carrying its id): it restarted or expired the
    /// session, and did not act on the request. The client starts a new session (MCP Streamable HTTP, session management).
    /// </summary>
    public static bool IsSessionGone(Exception exception) => HasStatus(exception, HttpStatusCode.NotFound);

    /// <summary>Whether the session itself is unusable (as opposed to one call failing), so the pool must reconnect.</summary>
    public static bool IsTransportFailure(Exception exception) => Chain(exception).Any(e =>
        e is HttpRequestException or IOException or ClientTransportClosedException or ObjectDisposedException
        || (e is McpException && e is not McpProtocolException));

    /// <summary>
    /// The failures of talking to an MCP server that the engine reports as a failed call or an unavailable server:
    /// transport (HTTP, sockets, a closed or disposed session), protocol (JSON-RPC errors, unreadable replies) and the
    /// SDK's timeouts. Anything else is a bug and propagates.
    /// </summary>
    public static bool IsExpected(Exception exception) =>
        exception is HttpRequestException or IOException or McpException or TimeoutException or JsonException or ObjectDisposedException;

    /// <summary>
    /// What the person and the model are told: what happened, in words they can act on. The server's own JSON-RPC
    /// error message is part of it; exception messages (addresses, response bodies) only with <paramref name="includeDetails"/>.
    /// </summary>
    public static string Describe(Exception exception, bool includeDetails)
    {
        var http = Chain(exception).OfType<HttpRequestException>().FirstOrDefault();
        var protocol = Chain(exception).OfType<McpProtocolException>().FirstOrDefault();
        var summary = (protocol, http) switch
        {
            ({ } p, _) => string.Create(CultureInfo.InvariantCulture, $"{p.Message} (JSON-RPC error {(int)p.ErrorCode})"),
            (_, { StatusCode: { } status }) => string.Create(CultureInfo.InvariantCulture, $"the server answered HTTP {(int)status} {status}"),
            _ when Chain(exception).Any(e => e is TimeoutException) => "the server did not answer in time",
            _ when Chain(exception).Any(e => e is JsonException) => "the server sent a reply that is not valid JSON",
            _ when IsTransportFailure(exception) => "the server could not be reached or closed the session",
            _ => "the call failed",
        };
        if (!includeDetails || protocol is not null)
        {
            return summary;
        }

        return $"{summary} ({(http ?? exception).Message})";
    }

    private static bool HasStatus(Exception exception, HttpStatusCode status) => Chain(exception).Any(e =>
        (e is HttpRequestException { StatusCode: { } code } && code == status)
        || (e is ClientTransportClosedException { Details: HttpClientCompletionDetails { HttpStatusCode: { } closed } } && closed == status));

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
