using McpSubAgent.Completions.Upstream;
using McpSubAgent.SubAgentServer.Providers;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>Registers the sub-agent runner and the upstream LLMs (the default provider and the named ones).</summary>
internal static class AgentExtensions
{
    public const string UpstreamHttpClientName = "upstream-llm";

    /// <summary>Named providers besides the default one: <c>Providers:{name}:BaseUrl</c> and <c>ApiKey</c>.</summary>
    public const string ProvidersSectionName = "Providers";

    public static IHostApplicationBuilder AddAgents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UpstreamOptions>().BindConfiguration("").ValidateDataAnnotations().ValidateOnStart();
        // The providers' clients live as long as the process: pooled connections are renewed so DNS changes are seen.
        builder.Services.AddHttpClient(UpstreamHttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        builder.Services.AddOptions<Dictionary<string, ProviderEndpoint>>().BindConfiguration(ProvidersSectionName);
        builder.Services.AddSingleton<UpstreamProviders>();
        builder.Services.AddSingleton<IChatCompletionsUpstream, ProviderRouter>();
        builder.Services.AddSingleton<AgentRunner>();
        return builder;
    }
}
