namespace McpSubAgent.Completions.Limits;

/// <summary>A response (or one event of a streamed response) went past the size the engine reads; reading stopped there.</summary>
internal sealed class ResponseTooLargeException(long bytesRead, long limit, long? declaredLength)
    : IOException($"The response is larger than the limit of {limit} bytes; reading stopped after {bytesRead} bytes.")
{
    public long BytesRead { get; } = bytesRead;

    public long Limit { get; } = limit;

    /// <summary>The size the response declared (<c>Content-Length</c>), when it did.</summary>
    public long? DeclaredLength { get; } = declaredLength;
}
