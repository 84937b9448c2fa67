using McpSubAgent.Completions.Upstream;

namespace McpSubAgent.SubAgentServer.Providers;

/// <summary>
/// A configured LLM provider: its name (null for the default one of <c>OPENAI_BASE_URL</c>), base URL, key, client and
/// time limits.
/// </summary>
internal sealed record UpstreamProvider(string? Name, Uri BaseUrl, string? ApiKey, IChatCompletionsUpstream Upstream, UpstreamTimeouts Timeouts)
{
    /// <summary>The id callers use for one of its models: <c>{name}/{model}</c>, or the model itself for the default provider.</summary>
    public string ModelId(string model) => Name is null ? model : $"{Name}/{model}";
}
