using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>The upstream LLM, from the environment variables the official OpenAI SDKs read.</summary>
internal sealed class UpstreamOptions
{
    /// <summary><c>OPENAI_BASE_URL</c>: any OpenAI-compatible endpoint (OpenAI, OpenRouter, Anthropic's compatibility layer, Ollama, vLLM).</summary>
    [ConfigurationKeyName("OPENAI_BASE_URL")]
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "https://api.openai.com/v1";

    /// <summary><c>OPENAI_API_KEY</c>: sent as a bearer token; none for local servers.</summary>
    [ConfigurationKeyName("OPENAI_API_KEY")]
    public string? ApiKey { get; set; }
}
