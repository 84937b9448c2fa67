namespace McpSubAgent.Testing.Llm;

/// <summary>Token usage reported by the fake LLM; the total is always the sum.</summary>
public sealed record LlmUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}
