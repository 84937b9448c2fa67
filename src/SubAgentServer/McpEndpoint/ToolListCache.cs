using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol.Server;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// Answers a plain <c>tools/list</c> with the MCP SDK's own earlier answer. Our tool list is fixed when the host starts
/// (the same for every caller: no tool carries authorization metadata, no list handler of our own), yet the SDK's
/// stateless transport builds a server per request and serializes the 9.5 KB list three times over (to a JSON tree,
/// parsed back, written again): two thirds of an authenticated <c>tools/list</c> (docs/benchmarks.md). The first such
/// request per protocol version goes through the SDK, which answers it; that answer's <c>result</c> is kept, and later
/// requests of the same shape get it with their own id. Anything else (a cursor, <c>_meta</c>, a batch, protocol
/// revisions with per-request metadata, an Accept the SDK refuses) still goes to the SDK.
/// </summary>
internal sealed class ToolListCache(IOptions<McpServerOptions> serverOptions)
{
    /// <summary>The answers kept: one per protocol version the SDK answered (it refuses versions it does not support).</summary>
    private const int MaxVersions = 8;

    /// <summary>The first revision whose requests carry per-request metadata and headers the SDK checks (SEP-2575).</summary>
    private const string FirstPerRequestMetadataVersion = "2026-07-28";

    /// <summary>The most of the SDK's answer kept while it is written (the list is about 10 KB).</summary>
    private const int MaxAnswerBytes = 1 << 20;

    private static readonly byte[] EventPrefix = "event: message\ndata: "u8.ToArray();
    private static readonly byte[] ResultPrefix = "{\"result\":"u8.ToArray();
    private static readonly byte[] IdMember = ",\"id\":"u8.ToArray();
    private static readonly byte[] Suffix = ",\"jsonrpc\":\"2.0\"}\n\n"u8.ToArray();

    private readonly Lazy<bool> _static = new(() => IsStatic(serverOptions.Value));
    private readonly ConcurrentDictionary<string, byte[]> _answers = new(StringComparer.Ordinal);

    /// <summary>
    /// The id of <paramref name="message"/> as JSON when it is a plain <c>tools/list</c> request (members jsonrpc "2.0",
    /// an integer or string id, method, and no params or empty ones) that this cache may answer; else null.
    /// </summary>
    public byte[]? PlainRequestId(HttpRequest request, JsonElement message)
    {
        if (!_static.Value || message.ValueKind != JsonValueKind.Object || VersionKey(request) is null)
        {
            return null;
        }

        byte[]? id = null;
        bool jsonRpc = false, method = false;
        var members = 0;
        foreach (var member in message.EnumerateObject())
        {
            members++;
            switch (member.Name)
            {
                case "jsonrpc" when member.Value.ValueEquals("2.0"u8):
                    jsonRpc = true;
                    break;
                case "method" when member.Value.ValueEquals("tools/list"u8):
                    method = true;
                    break;
                case "id" when member.Value.ValueKind == JsonValueKind.String:
                    id = JsonString(member.Value.GetString()!);
                    break;
                case "id" when member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out var number):
                    id = Encoding.UTF8.GetBytes(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case "params" when member.Value.ValueKind == JsonValueKind.Object && !member.Value.EnumerateObject().Any():
                    break;
                default:
                    return null;
            }
        }

        return jsonRpc && method && id is not null && members == (message.TryGetProperty("params", out _) ? 4 : 3) && AcceptsSdkAnswer(request) ? id : null;
    }

    /// <summary>Answers the request from the kept answer, or lets the SDK answer it (<paramref name="next"/>) and keeps that.</summary>
    public async Task AnswerAsync(HttpContext context, byte[] id, RequestDelegate next)
    {
        var key = VersionKey(context.Request)!;
        if (_answers.TryGetValue(key, out var result))
        {
            await WriteAsync(context.Response, result, id);
            return;
        }

        var body = context.Response.Body;
        using var copy = new CopyingStream(body);
        context.Response.Body = copy;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }

        if (context.Response.StatusCode == StatusCodes.Status200OK && _answers.Count < MaxVersions && SdkResult(copy.Copied, id) is { } kept)
        {
            _answers.TryAdd(key, kept);
        }
    }

    private static async Task WriteAsync(HttpResponse response, byte[] result, byte[] id)
    {
        // The headers of the SDK's SSE answer (StreamableHttpHandler.InitializeSseResponse).
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.ContentEncoding = "identity";
        response.Headers["X-Accel-Buffering"] = "no";
        response.ContentLength = EventPrefix.Length + ResultPrefix.Length + result.Length + IdMember.Length + id.Length + Suffix.Length;
        var writer = response.BodyWriter;
        writer.Write(EventPrefix);
        writer.Write(ResultPrefix);
        writer.Write(result);
        writer.Write(IdMember);
        writer.Write(id);
        writer.Write(Suffix);
        await writer.FlushAsync(response.HttpContext.RequestAborted);
    }

    /// <summary>The result of the SDK's answer when it is exactly one SSE message answering <paramref name="id"/> as this cache would frame it.</summary>
    private static byte[]? SdkResult(ReadOnlyMemory<byte> answer, byte[] id)
    {
        var span = answer.Span;
        byte[] suffixAndId = [.. IdMember, .. id, .. Suffix];
        if (!span.StartsWith(EventPrefix) || !span[EventPrefix.Length..].StartsWith(ResultPrefix) || !span.EndsWith(suffixAndId))
        {
            return null;
        }

        var result = span[(EventPrefix.Length + ResultPrefix.Length)..^suffixAndId.Length];
        try
        {
            // One whole JSON object, nothing else (a second event would not parse as one value).
            using var document = JsonDocument.Parse(answer[(EventPrefix.Length + ResultPrefix.Length)..^suffixAndId.Length]);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("tools", out _) ? result.ToArray() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A string id as the SDK writes it (System.Text.Json's default escaping).</summary>
    private static byte[] JsonString(string value)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + 2);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(value);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The MCP-Protocol-Version header ("" when absent) when this cache may answer for it; else null.</summary>
    private static string? VersionKey(HttpRequest request)
    {
        var version = request.Headers["MCP-Protocol-Version"];
        if (version.Count == 0)
        {
            return "";
        }

        return version.Count == 1 && version[0] is { Length: 10 } value && string.CompareOrdinal(value, FirstPerRequestMetadataVersion) < 0 ? value : null;
    }

    /// <summary>The SDK answers 406 unless the client accepts both JSON and an event stream.</summary>
    private static bool AcceptsSdkAnswer(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(static a => a.MatchesMediaType("application/json")) && accept.Any(static a => a.MatchesMediaType("text/event-stream"));
    }

    private static bool IsStatic(McpServerOptions options) =>
        options.Handlers.ListToolsHandler is null
        && options.ToolCollection is { } tools
        && !tools.Any(t => t.Metadata.Any(m => m is IAuthorizeData or IAllowAnonymous));

    /// <summary>Passes writes on and keeps a copy of the first <see cref="MaxAnswerBytes"/> bytes.</summary>
    private sealed class CopyingStream(Stream inner) : Stream
    {
        private readonly ArrayBufferWriter<byte> _copy = new();
        private bool _tooLong;

        public ReadOnlyMemory<byte> Copied => _tooLong ? ReadOnlyMemory<byte>.Empty : _copy.WrittenMemory;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            _tooLong |= _copy.WrittenCount + bytes.Length > MaxAnswerBytes;
            if (!_tooLong)
            {
                _copy.Write(bytes);
            }
        }
    }
}
