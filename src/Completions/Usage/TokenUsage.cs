using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Usage;

/// <summary>Token counts as OpenAI reports them.</summary>
public readonly record struct TokenUsage(long PromptTokens, long CompletionTokens, long TotalTokens)
{
    /// <summary>No tokens.</summary>
    public static TokenUsage Zero => default;

    /// <summary>The sum of two counts.</summary>
    public static TokenUsage operator +(TokenUsage left, TokenUsage right) => new(
        left.PromptTokens + right.PromptTokens,
        left.CompletionTokens + right.CompletionTokens,
        left.TotalTokens + right.TotalTokens);

    /// <summary>The sum of two counts.</summary>
    public static TokenUsage Add(TokenUsage left, TokenUsage right) => left + right;

    /// <summary>Reads OpenAI's <c>usage</c> object; missing fields count as zero.</summary>
    public static TokenUsage FromJson(JsonNode? usage)
    {
        if (usage is not JsonObject u)
        {
            return Zero;
        }

        var prompt = Read(u, "prompt_tokens");
        var completion = Read(u, "completion_tokens");
        var total = Read(u, "total_tokens");
        return new TokenUsage(prompt, completion, total == 0 ? prompt + completion : total);
    }

    /// <summary>OpenAI's <c>usage</c> object.</summary>
    public JsonObject ToJson() => new()
    {
        ["prompt_tokens"] = PromptTokens,
        ["completion_tokens"] = CompletionTokens,
        ["total_tokens"] = TotalTokens,
    };

    private static long Read(JsonObject usage, string name) =>
        usage[name] is JsonValue v && v.TryGetValue(out long n) ? n : 0;
}
