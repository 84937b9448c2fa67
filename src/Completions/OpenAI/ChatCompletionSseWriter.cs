using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;

namespace McpSubAgent.Completions.OpenAI;

/// <summary>
/// Writes a started run as OpenAI's server-sent event stream, ending with <c>data: [DONE]</c>. While the run is silent
/// (a long tool call, a thinking model) an SSE comment goes out at the keep-alive interval, so proxies and people see a
/// live stream. A failure after the stream began is never dressed up as an answer: an error event in OpenAI's
/// streaming shape (<c>data: {"error": {...}}</c>) is written, without <c>[DONE]</c>, and the failure is rethrown so the
/// host can end the connection as incomplete.
/// </summary>
public static class ChatCompletionSseWriter
{
    /// <summary>The content type of the stream.</summary>
    public const string ContentType = "text/event-stream";

    private static readonly byte[] KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

    /// <summary>Writes the whole run to <paramref name="destination"/>, flushing after each event.</summary>
    /// <param name="run">The run.</param>
    /// <param name="chunks">The chunk writer of the run's completion id.</param>
    /// <param name="destination">The response body.</param>
    /// <param name="keepAliveInterval">How long the stream may be silent before a keep-alive comment; infinite for none.</param>
    /// <param name="timeProvider">The clock of the keep-alive.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task WriteAsync(
        StartedRun run,
        ChatCompletionChunkWriter chunks,
        Stream destination,
        TimeSpan keepAliveInterval,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var events = KeepAliveEvents.WithKeepAlivesAsync(run.ReadAllAsync(cancellationToken), keepAliveInterval, timeProvider, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        await using (events)
        {
            while (true)
            {
                bool hasEvent;
                try
                {
                    hasEvent = await events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Not handled here: the client is told in the stream's own format, and the failure goes on to the caller.
                    var error = OpenAIError.From(ex)
                        ?? new OpenAIError(System.Net.HttpStatusCode.InternalServerError, "The server failed while answering; the answer is incomplete.", "server_error");
                    await WriteDataAsync(destination, ErrorEvent(error), cancellationToken).ConfigureAwait(false);
                    throw;
                }

                if (!hasEvent)
                {
                    break;
                }

                if (events.Current is KeepAlive)
                {
                    await destination.WriteAsync(KeepAliveComment, cancellationToken).ConfigureAwait(false);
                    await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                foreach (var chunk in chunks.ToChunks(events.Current))
                {
                    await WriteDataAsync(destination, chunk.ToJsonString(ReadableJson.Compact), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await WriteDataAsync(destination, "[DONE]", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The error event OpenAI's own streams send, which its SDKs raise as an error.</summary>
    private static string ErrorEvent(OpenAIError error) => new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["message"] = error.Message,
            ["type"] = error.Type,
            ["param"] = error.Param,
            ["code"] = error.Code,
        },
    }.ToJsonString(ReadableJson.Compact);

    private static async Task WriteDataAsync(Stream destination, string data, CancellationToken cancellationToken)
    {
        // JSON text from JsonNode has no line breaks, so one data line holds one event.
        var bytes = Encoding.UTF8.GetBytes($"data: {data}\n\n");
        await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
