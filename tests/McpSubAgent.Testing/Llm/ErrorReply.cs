namespace McpSubAgent.Testing.Llm;

/// <summary>An error response with an OpenAI error body <c>{"error":{"message","type","code"}}</c>.</summary>
public sealed record ErrorReply(int StatusCode, string Message) : LlmReply
{
    /// <summary>Sent as Retry-After in whole seconds (rounded up) when set.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The error type; by default "rate_limit_error" for 429, otherwise "server_error".</summary>
    public string? ErrorType { get; init; }

    internal string EffectiveErrorType => ErrorType ?? (StatusCode == 429 ? "rate_limit_error" : "server_error");
}
