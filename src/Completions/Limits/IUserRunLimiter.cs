namespace McpSubAgent.Completions.Limits;

/// <summary>
/// Admits each user key's interactive runs up to <see cref="CompletionsOptions.MaxConcurrentRunsPerUser"/>. The default
/// counts in this process; a host with several replicas registers one that counts in a store they share.
/// </summary>
public interface IUserRunLimiter
{
    /// <summary>Takes a slot for one run of <paramref name="userKey"/>, given back when the result is disposed.</summary>
    /// <exception cref="RunRefusedException">The user key has no slot left.</exception>
    ValueTask<IAsyncDisposable> AcquireAsync(string userKey, CancellationToken cancellationToken);
}
