namespace McpSubAgent.SubAgentServer.Providers;

/// <summary>One named OpenAI-compatible provider (configuration <c>Providers:{name}</c>); its models are called <c>{name}/{model}</c>.</summary>
public sealed class ProviderEndpoint
{
    /// <summary>The provider's OpenAI-compatible base URL, such as <c>https://openrouter.ai/api/v1</c>.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Sent as a bearer token; none for local servers.</summary>
    public string? ApiKey { get; set; }
}
