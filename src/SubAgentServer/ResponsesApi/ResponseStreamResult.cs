using System.Text;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.OpenAI;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>
/// A started run written as the Responses API's event stream (<c>event: response.output_text.delta</c> with a
/// <c>data:</c> line each), with keep-alive comments while it is silent. A failure after the first byte ends the stream
/// with <c>error</c> and <c>response.failed</c>, which the SDKs read as the end of a failed response.
/// </summary>
internal sealed partial class ResponseStreamResult(
    StartedRun run, ResponseBuilder builder, Func<CancellationToken, Task> save, TimeSpan keepAliveInterval, TimeProvider timeProvider, ILogger logger)
    : IResult
{
    private static readonly byte[] KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        await using (run)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            try
            {
                await response.StartAsync(cancellationToken);
                builder.Start();
                await WriteEventsAsync(response.Body, cancellationToken);
                await WriteRunAsync(response.Body, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller went away; the run stops with it.
                builder.Cancel();
            }

            await save(CancellationToken.None);
        }
    }

    private async Task WriteRunAsync(Stream body, CancellationToken cancellationToken)
    {
        var events = KeepAliveEvents.WithKeepAlivesAsync(run.ReadAllAsync(cancellationToken), keepAliveInterval, timeProvider, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        await using (events)
        {
            while (true)
            {
                try
                {
                    if (!await events.MoveNextAsync())
                    {
                        return;
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The headers are sent, so no status can report it: any failure, a bug included, ends the stream with
                    // OpenAI's error and response.failed events (as the chat stream does), and is logged with its exception.
                    LogStreamFailed(logger, ex);
                    builder.Fail(OpenAIError.From(ex)
                        ?? new OpenAIError(System.Net.HttpStatusCode.InternalServerError, "The server failed while answering; the response is incomplete.", "server_error", Code: "server_error"));
                    await WriteEventsAsync(body, cancellationToken);
                    return;
                }

                if (events.Current is KeepAlive)
                {
                    await body.WriteAsync(KeepAliveComment, cancellationToken);
                    await body.FlushAsync(cancellationToken);
                    continue;
                }

                builder.Add(events.Current);
                await WriteEventsAsync(body, cancellationToken);
            }
        }
    }

    private async Task WriteEventsAsync(Stream body, CancellationToken cancellationToken)
    {
        var events = builder.TakeEvents();
        if (events.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        foreach (var (type, data) in events)
        {
            // JSON text from JsonNode has no line breaks, so one data line holds one event.
            text.Append("event: ").Append(type).Append("\ndata: ").Append(data.ToJsonString(Completions.ReadableJson.Compact)).Append("\n\n");
        }

        await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A streamed response failed after it began")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception);
}
