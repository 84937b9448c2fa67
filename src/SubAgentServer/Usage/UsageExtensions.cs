using McpSubAgent.Completions.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace McpSubAgent.SubAgentServer.Usage;

/// <summary>Registers the recording of token usage per user key, model and day.</summary>
internal static class UsageExtensions
{
    public static IHostApplicationBuilder AddUsageRecording(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ICompletionRunObserver, UsageRecorder>();
        return builder;
    }
}
