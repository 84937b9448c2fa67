namespace McpSubAgent.Completions.Events;

/// <summary>How a tool call ended.</summary>
public enum ToolCallStatus
{
    /// <summary>The tool returned a result.</summary>
    Succeeded,

    /// <summary>The tool reported an error, the server failed, or the arguments were not valid JSON.</summary>
    Failed,

    /// <summary>The call took longer than <see cref="CompletionsOptions.ToolCallTimeout"/>.</summary>
    TimedOut,

    /// <summary>
    /// The call was under way when its run was stopped (a crash, a restart) and was not made again on resume, because
    /// the tool does not say it is safe to repeat: it may or may not have taken effect.
    /// </summary>
    Interrupted,

    /// <summary>The call needed approval and the user denied it (or did not approve it in time): it was not made.</summary>
    Denied,
}
