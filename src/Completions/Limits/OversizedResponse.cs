namespace McpSubAgent.Completions.Limits;

/// <summary>The first response of a watched call that was larger than the engine reads, if any.</summary>
internal sealed class OversizedResponse
{
    private ResponseTooLargeException? _exception;

    public ResponseTooLargeException? Exception => Volatile.Read(ref _exception);

    public void Record(ResponseTooLargeException exception) => Interlocked.CompareExchange(ref _exception, exception, null);
}
