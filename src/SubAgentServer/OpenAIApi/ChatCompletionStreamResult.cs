using System.Net.Sockets;
using McpSubAgent.Completions.OpenAI;
using Microsoft.AspNetCore.Connections.Features;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// A started run written as OpenAI's event stream, with keep-alive comments while it is silent. A failure after the
/// first byte cannot change the status any more: the writer sends OpenAI's error event (which the Python and
/// JavaScript SDKs raise), and the connection then ends without <c>[DONE]</c> and without the last chunk of the HTTP
/// body, which every HTTP client (the .NET SDK's included) reports as an incomplete response.
/// </summary>
internal sealed partial class ChatCompletionStreamResult(
    StartedRun run, ChatCompletionChunkWriter chunks, TimeSpan keepAliveInterval, TimeProvider timeProvider, ILogger logger) : IResult
{
    // Kestrel sends what was flushed from its own loop; the socket is half-closed only after that had time to run.
    private static readonly TimeSpan SendGrace = TimeSpan.FromMilliseconds(100);

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
                await response.StartAsync(cancellationToken);
                await ChatCompletionSseWriter.WriteAsync(run, chunks, response.Body, keepAliveInterval, timeProvider, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller went away; the run stops with it.
            }
            catch (Exception ex) when (response.HasStarted)
            {
                // Last-resort boundary: with the 200 and some chunks sent, no error status can follow; the writer has sent
                // the error event, so the failure is logged with its exception and the stream ends as incomplete.
                LogStreamFailed(logger, ex);
                await EndIncompleteAsync(httpContext);
            }
        }
    }

    private async Task EndIncompleteAsync(HttpContext httpContext)
    {
        if (httpContext.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            try
            {
                await Task.Delay(SendGrace, timeProvider, httpContext.RequestAborted);
                socket.Shutdown(SocketShutdown.Send);
                return;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The connection is gone already.
            }
        }

        httpContext.Abort();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A streamed chat completion failed after it began")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception);
}
