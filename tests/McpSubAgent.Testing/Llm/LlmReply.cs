namespace McpSubAgent.Testing.Llm;

/// <summary>
/// One scripted answer of <see cref="ScriptedLlmServer"/> to one chat completion request.
/// Concrete kinds: <see cref="TextReply"/>, <see cref="ToolCallsReply"/>, <see cref="ErrorReply"/>, <see cref="RawReply"/>.
/// </summary>
public abstract record LlmReply
{
    /// <summary>Wait before sending the status line and headers; ends early if the client aborts.</summary>
    public TimeSpan DelayBeforeHeaders { get; init; }

    /// <summary>Wait between SSE events (streaming replies only).</summary>
    public TimeSpan DelayBetweenChunks { get; init; }

    /// <summary>
    /// Streaming only: after this many SSE events (the first role chunk counts) the connection is aborted,
    /// so the client sees a truncated stream without <c>[DONE]</c>.
    /// </summary>
    public int? AbortAfterChunks { get; init; }

    public static TextReply Text(string content, LlmUsage? usage = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new TextReply(content) { Usage = usage ?? TextReply.DefaultUsage };
    }

    public static ToolCallsReply ToolCalls(params LlmToolCall[] calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        return new ToolCallsReply([.. calls]);
    }

    /// <summary>An OpenAI-style error; <paramref name="retryAfter"/> becomes a Retry-After header in whole seconds.</summary>
    public static ErrorReply Error(int statusCode, string? message = null, TimeSpan? retryAfter = null) =>
        new(statusCode, message ?? $"fake error {statusCode}") { RetryAfter = retryAfter };

    /// <summary>A verbatim response, for malformed or unusual payloads.</summary>
    public static RawReply Raw(int statusCode, string body, string contentType = "application/json") =>
        new(statusCode, body, contentType);
}
