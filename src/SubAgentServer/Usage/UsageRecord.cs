namespace McpSubAgent.SubAgentServer.Usage;

/// <summary>Tokens and runs of one user key with one model on one day (UTC): one row per (user key, model, day).</summary>
public sealed class UsageRecord
{
    public const int ModelMaxLength = 200;

    public long Id { get; set; }

    /// <summary>The user key: the token's <c>sub</c> for people, <c>{client_id}:{user}</c> or <c>{client_id}</c> for apps.</summary>
    public required string UserKey { get; set; }

    /// <summary>The model id as the caller named it (<c>{provider}/{model}</c> for named providers).</summary>
    public required string Model { get; set; }

    public DateOnly Day { get; set; }

    /// <summary>Runs (chat completions, sub-agent runs, task attempts) that ended on this day.</summary>
    public long Requests { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public long TotalTokens { get; set; }
}
