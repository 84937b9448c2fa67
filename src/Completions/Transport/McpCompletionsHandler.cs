using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.Transport;

/// <summary>
/// An HTTP handler to set as the OpenAI .NET SDK's transport: chat-completion requests that name MCP servers run
/// through the engine (their upstream calls go on through this handler's inner handler, to the same URL with the same
/// headers), and every other request passes through untouched. The C# form of mcp-completions' <c>fetchProxy</c>.
/// </summary>
public sealed partial class McpCompletionsHandler : DelegatingHandler
{
    private readonly McpCompletionsEngine _engine;
    private readonly IOptions<CompletionsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _innerHandlerLock = new();

    /// <summary>
    /// Creates the handler. Registered through <c>IHttpClientFactory</c>
    /// (<c>AddHttpClient(…).AddHttpMessageHandler&lt;McpCompletionsHandler&gt;()</c>) it sends on through the factory's
    /// handlers; used on its own (<c>new HttpClient(handler)</c>) it sends through a <see cref="SocketsHttpHandler"/> of its own.
    /// </summary>
    public McpCompletionsHandler(McpCompletionsEngine engine, IOptions<CompletionsOptions> options, TimeProvider timeProvider, ILogger<McpCompletionsHandler> logger)
    {
        _engine = engine;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureInnerHandler();
        if (request.Method != HttpMethod.Post || request.Content is null
            || request.RequestUri?.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal) != true)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var bytes = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (TryParseObject(bytes) is not { } body || !ChatCompletionRequestParser.MayUseMcp(body))
        {
            // Not ours: the upstream sees the request exactly as the SDK wrote it.
            RestoreContent(request, bytes);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        ChatCompletionRequest parsed;
        try
        {
            parsed = ChatCompletionRequestParser.Parse(body);
        }
        catch (InvalidRequestException ex)
        {
            return ErrorResponse(OpenAIError.From(ex)!, request);
        }

        if (!parsed.Run.HasMcpServers && !parsed.HasFrontMatter)
        {
            RestoreContent(request, bytes);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var context = new CompletionRunContext(parsed.User ?? _options.Value.DefaultUserKey);
        var upstream = new ForwardingUpstream(request, (message, ct) => base.SendAsync(message, ct));
        var id = McpCompletionsEngine.NewCompletionId();
        var model = parsed.Run.Model ?? _options.Value.DefaultModel;
        var created = _timeProvider.GetUtcNow().ToUnixTimeSeconds();

        // The run outlives this call when streaming; it stops when the caller disposes the response.
        var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        StartedRun run;
        try
        {
            // In-process callers have no proxy to keep busy: a failing first upstream call stays an error status.
            run = await StartedRun.StartAsync(_engine.RunAsync(parsed.Run, context with { RunId = id }, upstream, runCancellation.Token), runCancellation.Token,
                untilFirstOutput: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (OpenAIError.From(ex) is { } error)
        {
            runCancellation.Dispose();
            return ErrorResponse(error, request);
        }

        if (!parsed.Stream)
        {
            try
            {
                await using (run)
                {
                    var aggregator = new ChatCompletionAggregator();
                    await foreach (var e in run.ReadAllAsync(runCancellation.Token).ConfigureAwait(false))
                    {
                        aggregator.Add(e);
                    }

                    return JsonResponse(HttpStatusCode.OK, aggregator.ToCompletion(id, model, created).ToJsonString(ReadableJson.Compact), request);
                }
            }
            catch (Exception ex) when (OpenAIError.From(ex) is { } error)
            {
                return ErrorResponse(error, request);
            }
            finally
            {
                runCancellation.Dispose();
            }
        }

        var pipe = new Pipe();
        var chunks = new ChatCompletionChunkWriter(id, model, created, parsed.IncludeUsage);
        var stream = new CancelOnDisposeStream(pipe.Reader.AsStream(), runCancellation);
        _ = PumpAsync(run, chunks, pipe.Writer, runCancellation, stream);
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue(ChatCompletionSseWriter.ContentType);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
    }

    private async Task PumpAsync(StartedRun run, ChatCompletionChunkWriter chunks, PipeWriter writer, CancellationTokenSource runCancellation, CancelOnDisposeStream stream)
    {
        try
        {
            await using (run)
            {
                await ChatCompletionSseWriter.WriteAsync(run, chunks, writer.AsStream(leaveOpen: true), _options.Value.KeepAliveInterval, _timeProvider, runCancellation.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (runCancellation.IsCancellationRequested)
        {
            // The caller stopped reading or cancelled: nothing left to tell it.
        }
        catch (Exception ex)
        {
            // The error event is written; the reader gets it, then an IOException where the stream ends.
            LogStreamFailed(_logger, ex);
            stream.Failed(ex);
        }
        finally
        {
            await writer.CompleteAsync().ConfigureAwait(false);
            stream.RunEnded();
            runCancellation.Dispose();
        }
    }

    /// <summary>A handler used without a factory gets its own connection handler, before its first request.</summary>
    private void EnsureInnerHandler()
    {
        if (InnerHandler is not null)
        {
            return;
        }

        lock (_innerHandlerLock)
        {
            InnerHandler ??= new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        }
    }

    private static JsonObject? TryParseObject(byte[] bytes)
    {
        try
        {
            return JsonNode.Parse(bytes) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void RestoreContent(HttpRequestMessage request, byte[] bytes)
    {
        var original = request.Content!;
        var content = new ByteArrayContent(bytes);
        foreach (var header in original.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        request.Content = content;
        original.Dispose();
    }

    private static HttpResponseMessage ErrorResponse(OpenAIError error, HttpRequestMessage request) =>
        JsonResponse(error.StatusCode, error.ToJson(), request);

    private static HttpResponseMessage JsonResponse(HttpStatusCode status, string json, HttpRequestMessage request) => new(status)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/json"),
        RequestMessage = request,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "A streamed MCP completion failed")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception);

    /// <summary>Sends upstream calls on through the handler chain, to the caller's URL with the caller's headers.</summary>
    private sealed class ForwardingUpstream(HttpRequestMessage original, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send)
        : IChatCompletionsUpstream
    {
        public async Task<HttpResponseMessage> SendAsync(JsonObject body, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, original.RequestUri)
            {
                Version = original.Version,
                VersionPolicy = original.VersionPolicy,
                Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            foreach (var header in original.Headers)
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            return await send(request, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the run when the reader of the response disposes it (the SDK's stream was closed).</summary>
    private sealed class CancelOnDisposeStream(Stream inner, CancellationTokenSource run) : Stream
    {
        private int _disposed;
        private volatile bool _runEnded;
        private volatile Exception? _failure;

        /// <summary>Once the run is over, closing the stream has nothing left to cancel.</summary>
        public void RunEnded() => _runEnded = true;

        /// <summary>
        /// The run failed after the stream began: the reader first gets every event written (the error event included),
        /// then an <see cref="IOException"/> where the stream would end, so no client takes the answer for complete.
        /// </summary>
        public void Failed(Exception failure) => _failure = failure;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => EndOrFail(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            EndOrFail(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int EndOrFail(int read) => read == 0 && _failure is { } failure
            ? throw new IOException($"The answer is incomplete: {failure.Message}", failure)
            : read;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                try
                {
                    if (!_runEnded)
                    {
                        run.Cancel();
                    }
                }
                catch (ObjectDisposedException)
                {
                    // The run ended between the check and the cancel, and released its token source.
                }

                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
