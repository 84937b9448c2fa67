using McpSubAgent.Completions.OpenAI;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// A started run written as OpenAI's event stream. Failures after the first byte cannot change the status: the upstream's
/// become an error line and a normal end (<see cref="ChatCompletionSseWriter"/>); anything else ends the connection
/// without <c>[DONE]</c>, which tells the SDK that the answer is incomplete.
/// </summary>
internal sealed partial class ChatCompletionStreamResult(StartedRun run, ChatCompletionChunkWriter chunks, ILogger logger) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        await using (run)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = ChatCompletionSseWriter.ContentType;
            response.Headers.CacheControl = "no-cache";

            // Proxies such as nginx would hold the chunks back otherwise.
            response.Headers["X-Accel-Buffering"] = "no";
            try
            {
                await ChatCompletionSseWriter.WriteAsync(run, chunks, response.Body, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller went away; the run stops with it.
            }
            catch (Exception ex) when (response.HasStarted)
            {
                LogStreamFailed(logger, ex);
                httpContext.Abort();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A streamed chat completion failed")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception);
}
