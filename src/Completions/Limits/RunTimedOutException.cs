namespace McpSubAgent.Completions.Limits;

/// <summary>A run took longer than <see cref="CompletionsOptions.MaxRunDuration"/> and was stopped.</summary>
public sealed class RunTimedOutException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RunTimedOutException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
