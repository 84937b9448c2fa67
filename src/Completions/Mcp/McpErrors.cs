using System.Net;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace McpSubAgent.Completions.Mcp;

/// <summary>Classifies the exceptions of the MCP client into what the engine does about them.</summary>
internal static class McpErrors
{
    public static bool IsUnauthorized(Exception exception) => Chain(exception).Any(e =>
        e is HttpRequestException { StatusCode: HttpStatusCode.Unauthorized }
        || e is ClientTransportClosedException { Details: HttpClientCompletionDetails { HttpStatusCode: HttpStatusCode.Unauthorized } });

    public static bool IsForbidden(Exception exception) => Chain(exception).Any(e =>
        e is HttpRequestException { StatusCode: HttpStatusCode.Forbidden }
        || e is ClientTransportClosedException { Details: HttpClientCompletionDetails { HttpStatusCode: HttpStatusCode.Forbidden } });

    /// <summary>Whether the session itself is unusable (as opposed to one call failing), so the pool must reconnect.</summary>
    public static bool IsTransportFailure(Exception exception) => Chain(exception).Any(e =>
        e is HttpRequestException or IOException or ClientTransportClosedException or ObjectDisposedException
        || (e is McpException && e is not McpProtocolException));

    /// <summary>A message for the person and the model: the innermost useful text, without stack traces.</summary>
    public static string Describe(Exception exception)
    {
        var http = Chain(exception).OfType<HttpRequestException>().FirstOrDefault();
        if (http is not null)
        {
            return http.StatusCode is { } status ? $"HTTP {(int)status} {status}: {http.Message}" : http.Message;
        }

        return exception is McpProtocolException protocol ? $"{protocol.Message} (JSON-RPC error {(int)protocol.ErrorCode})" : exception.Message;
    }

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
