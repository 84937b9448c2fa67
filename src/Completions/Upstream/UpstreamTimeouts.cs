namespace McpSubAgent.Completions.Upstream;

/// <summary>The time limits of one upstream call.</summary>
/// <param name="Headers">How long to wait for the response headers, per attempt.</param>
/// <param name="Idle">How long a streamed answer may go without a byte.</param>
/// <param name="Total">How long the whole call may take, retries and the streamed answer included.</param>
public sealed record UpstreamTimeouts(TimeSpan Headers, TimeSpan Idle, TimeSpan Total)
{
    /// <summary>The engine's defaults from <see cref="CompletionsOptions"/>.</summary>
    public static UpstreamTimeouts From(CompletionsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.UpstreamHeadersTimeout, options.UpstreamIdleTimeout, options.UpstreamCallTimeout);
    }
}
