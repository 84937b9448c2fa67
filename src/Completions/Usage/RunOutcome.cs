namespace McpSubAgent.Completions.Usage;

/// <summary>Why a run ended.</summary>
public enum RunOutcome
{
    /// <summary>The model answered.</summary>
    Completed,

    /// <summary>A server needs a login; the model was not called.</summary>
    LoginRequired,

    /// <summary>The model called tools the caller defined, which go back to the caller.</summary>
    ClientToolCalls,

    /// <summary>Some MCP tool calls need a person's approval; they come back to the caller as pending calls.</summary>
    ApprovalRequired,

    /// <summary>The round limit was reached.</summary>
    MaxRoundsReached,

    /// <summary>The upstream failed.</summary>
    Failed,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}
