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

    /// <summary>The refusal of a run whose user key already has <paramref name="limit"/> runs going.</summary>
    public static RunRefusedException TooManyRuns(int limit) => new(
        $"Too many runs at once: this user already has {limit} running, the limit. Wait for one to finish.",
        TimeSpan.FromSeconds(5));

    /// <summary>A reasonable time to wait before trying again.</summary>
    public TimeSpan RetryAfter { get; }
}
