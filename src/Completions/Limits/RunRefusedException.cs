namespace McpSubAgent.Completions.Limits;

/// <summary>
/// A run was refused before it began because its user already has <see cref="CompletionsOptions.MaxConcurrentRunsPerUser"/>
/// runs going. Hosts answer 429 with <see cref="RetryAfter"/> (or a tool error); nothing was sent upstream.
/// </summary>
public sealed class RunRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RunRefusedException(string message, TimeSpan retryAfter)
        : base(message)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>A reasonable time to wait before trying again.</summary>
    public TimeSpan RetryAfter { get; }
}
