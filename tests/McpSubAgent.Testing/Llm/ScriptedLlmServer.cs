using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpSubAgent.Testing.Llm;

/// <summary>
/// A fake OpenAI-compatible chat completions server on real Kestrel (127.0.0.1, random port).
/// Each POST to /v1/chat/completions consumes one scripted <see cref="LlmReply"/> (FIFO), falling back to
/// <see cref="Responder"/>; when both are empty it answers 500 "script exhausted".
/// </summary>
public sealed partial class ScriptedLlmServer : IAsyncDisposable
{
    private const string DefaultModel = "fake-model";
    private static readonly TimeSpan DropConnectionGrace = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private readonly Queue<LlmReply> _script = new();
    private readonly List<ReceivedLlmRequest> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _timeProvider = TimeProvider.System;
    private WebApplication? _app;
    private ILogger _logger = NullLogger.Instance;
    private Func<ReceivedLlmRequest, LlmReply>? _responder;
    private long _completionCounter;
    private int _disposed;

    private ScriptedLlmServer()
    {
    }

    /// <summary>The OpenAI base URL, "http://127.0.0.1:{port}/v1/" (with trailing slash), as OPENAI_BASE_URL would be.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Produces a reply when the script queue is empty. May be called concurrently.</summary>
    public Func<ReceivedLlmRequest, LlmReply>? Responder
    {
        get => Volatile.Read(ref _responder);
        set => Volatile.Write(ref _responder, value);
    }

    /// <summary>A snapshot of the chat completion requests received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedLlmRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public int RequestCount
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>The number of scripted replies not consumed yet.</summary>
    public int PendingReplyCount
    {
        get
        {
            lock (_gate)
            {
                return _script.Count;
            }
        }
    }

    public static async Task<ScriptedLlmServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new ScriptedLlmServer();
        var builder = LoopbackWebApp.CreateBuilder();
        var app = builder.Build();

        RequestDelegate completions = server.HandleCompletionAsync;
        RequestDelegate models = WriteModelsAsync;
        app.MapPost("/v1/chat/completions", completions);
        app.MapPost("/chat/completions", completions);
        app.MapGet("/v1/models", models);
        app.MapGet("/models", models);

        server._app = app;
        server._logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ScriptedLlmServer>();
        try
        {
            server.BaseUrl = new Uri(await LoopbackWebApp.StartAsync(app, cancellationToken), "v1/");
        }
        catch (Exception)
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Appends replies to the script; each chat completion request consumes the oldest one.</summary>
    public void Enqueue(params LlmReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        lock (_gate)
        {
            foreach (var reply in replies)
            {
                ArgumentNullException.ThrowIfNull(reply);
                _script.Enqueue(reply);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Ends scripted delays first so in-flight requests don't hold up shutdown.
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await LoopbackWebApp.StopAsync(_app);
        }

        _stopping.Dispose();
    }

    private static Task WriteModelsAsync(HttpContext context) =>
        WriteJsonAsync(context, StatusCodes.Status200OK, ChatCompletionJson.Models(), context.RequestAborted);

    private static Task WriteJsonAsync(HttpContext context, int statusCode, JsonNode body, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(ChatCompletionJson.WireOptions), cancellationToken);
    }

    private async Task HandleCompletionAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var cancellationToken = linked.Token;

        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: cancellationToken) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            await WriteJsonAsync(context, StatusCodes.Status400BadRequest,
                ChatCompletionJson.Error("request body must be a JSON object", "invalid_request_error"), cancellationToken);
            return;
        }

        JsonTree.Materialize(body);
        var request = new ReceivedLlmRequest(context.Request.Path.Value ?? "", body, CopyHeaders(context.Request.Headers));

        // Recording and dequeuing under one lock keeps Requests[i] paired with the i-th scripted reply.
        LlmReply? reply;
        lock (_gate)
        {
            _requests.Add(request);
            _script.TryDequeue(out reply);
        }

        if (reply is null && Responder is { } responder)
        {
            try
            {
                reply = responder(request);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Surface a failing responder (e.g. an assertion inside it) to the client instead of a bare 500.
                LogResponderFailed(_logger, ex);
                await WriteJsonAsync(context, StatusCodes.Status500InternalServerError,
                    ChatCompletionJson.Error($"responder threw: {ex.Message}", "server_error"), cancellationToken);
                return;
            }
        }

        reply ??= LlmReply.Error(StatusCodes.Status500InternalServerError, "script exhausted");

        try
        {
            if (reply.DelayBeforeHeaders > TimeSpan.Zero)
            {
                await Task.Delay(reply.DelayBeforeHeaders, _timeProvider, cancellationToken);
            }

            await WriteReplyAsync(context, request, reply, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Client went away or the server is stopping: drop the connection rather than send a partial reply.
            context.Abort();
        }
    }

    private Task WriteReplyAsync(HttpContext context, ReceivedLlmRequest request, LlmReply reply, CancellationToken cancellationToken)
    {
        switch (reply)
        {
            case ErrorReply error:
                if (error.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return WriteJsonAsync(context, error.StatusCode, ChatCompletionJson.Error(error.Message, error.EffectiveErrorType), cancellationToken);

            case RawReply raw:
                context.Response.StatusCode = raw.StatusCode;
                context.Response.ContentType = raw.ContentType;
                return context.Response.WriteAsync(raw.Body, cancellationToken);

            case TextReply text:
                return request.Stream
                    ? StreamAsync(context, request, text, text.Content, [], text.FinishReason, text.Usage, cancellationToken)
                    : WriteJsonAsync(context, StatusCodes.Status200OK, ChatCompletionJson.Completion(NextId(), Created(), ModelOf(request), text), cancellationToken);

            case ToolCallsReply calls:
                return request.Stream
                    ? StreamAsync(context, request, calls, calls.Content, calls.Calls, calls.FinishReason, calls.Usage, cancellationToken)
                    : WriteJsonAsync(context, StatusCodes.Status200OK, ChatCompletionJson.Completion(NextId(), Created(), ModelOf(request), calls), cancellationToken);

            default:
                throw new InvalidOperationException($"Unknown reply type {reply.GetType().Name}.");
        }
    }

    private async Task StreamAsync(
        HttpContext context,
        ReceivedLlmRequest request,
        LlmReply reply,
        string? content,
        IReadOnlyList<LlmToolCall> calls,
        string finishReason,
        LlmUsage usage,
        CancellationToken cancellationToken)
    {
        var id = NextId();
        var created = Created();
        var model = ModelOf(request);

        var payloads = ChatCompletionJson.Chunks(id, created, model, content, calls, finishReason).Select(c => c.ToJsonString(ChatCompletionJson.WireOptions));
        if (request.IncludeUsage)
        {
            payloads = payloads.Append(ChatCompletionJson.UsageChunk(id, created, model, usage).ToJsonString(ChatCompletionJson.WireOptions));
        }

        payloads = payloads.Append("[DONE]");

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(cancellationToken);
        await SseFormatter.WriteAsync(Events(context, reply, payloads, cancellationToken), context.Response.Body, cancellationToken);
    }

    private async IAsyncEnumerable<SseItem<string>> Events(
        HttpContext context,
        LlmReply reply,
        IEnumerable<string> payloads,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var payload in payloads)
        {
            if (sent == reply.AbortAfterChunks)
            {
                await DropConnectionAsync(context, cancellationToken);
                yield break;
            }

            if (sent > 0 && reply.DelayBetweenChunks > TimeSpan.Zero)
            {
                await Task.Delay(reply.DelayBetweenChunks, _timeProvider, cancellationToken);
            }

            yield return new SseItem<string>(payload);
            sent++;
        }
    }

    /// <summary>
    /// Ends the connection mid-response. A plain HttpContext.Abort() sends a TCP RST, which can make the client
    /// discard events it has not read yet; half-closing the socket instead sends FIN after the data already written,
    /// so the client reads every sent event and then sees the stream end prematurely.
    /// </summary>
    private static async Task DropConnectionAsync(HttpContext context, CancellationToken cancellationToken)
    {
        await context.Response.Body.FlushAsync(cancellationToken);

        // Give Kestrel's send loop time to hand the flushed bytes to the socket.
        await Task.Delay(DropConnectionGrace, cancellationToken);
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        else
        {
            context.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ScriptedLlmServer responder threw")]
    private static partial void LogResponderFailed(ILogger logger, Exception exception);

    private string NextId() => $"chatcmpl-fake-{Interlocked.Increment(ref _completionCounter)}";

    private long Created() => _timeProvider.GetUtcNow().ToUnixTimeSeconds();

    private static string ModelOf(ReceivedLlmRequest request) => request.Model ?? DefaultModel;

    private static Dictionary<string, string> CopyHeaders(IHeaderDictionary headers)
    {
        var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            copy[name] = string.Join(", ", (IEnumerable<string?>)values);
        }

        return copy;
    }
}
