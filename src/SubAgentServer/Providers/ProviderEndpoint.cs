namespace McpSubAgent.SubAgentServer.Providers;

/// <summary>One named OpenAI-compatible provider (configuration <c>Providers:{name}</c>); its models are called <c>{name}/{model}</c>.</summary>
internal sealed class ProviderEndpoint
{
    /// <summary>The provider's OpenAI-compatible base URL, such as <c>https://openrouter.ai/api/v1</c>.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Sent as a bearer token; none for local servers.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long a call may wait for the response headers; <c>Completions:UpstreamHeadersTimeout</c> when not set.</summary>
    public TimeSpan? HeadersTimeout { get; set; }

    /// <summary>How long a streamed answer may be silent; <c>Completions:UpstreamIdleTimeout</c> when not set.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>How long one call may take in all; <c>Completions:UpstreamCallTimeout</c> when not set.</summary>
    public TimeSpan? CallTimeout { get; set; }
}
