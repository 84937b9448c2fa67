using McpSubAgent.Completions.Upstream;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>Registers the sub-agent runner and the upstream LLM.</summary>
internal static class AgentExtensions
{
    public const string UpstreamHttpClientName = "upstream-llm";

    public static IHostApplicationBuilder AddAgents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UpstreamOptions>().BindConfiguration("");
        builder.Services.AddHttpClient(UpstreamHttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<IChatCompletionsUpstream>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<UpstreamOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(UpstreamHttpClientName);
            return new HttpChatCompletionsUpstream(http, new Uri(options.BaseUrl, UriKind.Absolute), options.ApiKey);
        });
        builder.Services.AddSingleton<AgentRunner>();
        return builder;
    }
}
