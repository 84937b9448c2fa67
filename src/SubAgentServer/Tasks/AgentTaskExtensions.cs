using Microsoft.Extensions.DependencyInjection.Extensions;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>Registers the agent tasks: their store, the background worker and its options.</summary>
internal static class AgentTaskExtensions
{
    public static IHostApplicationBuilder AddAgentTasks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AgentTaskOptions>().BindConfiguration(AgentTaskOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpContextAccessor();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AgentTaskQueries>();
        builder.Services.AddScoped<AgentTaskStore>();
        builder.Services.AddSingleton<AgentTaskInserter>();
        builder.Services.AddSingleton<AgentTaskRunRegistry>();
        builder.Services.AddSingleton<AgentTaskMetrics>();
        builder.Services.AddSingleton<AgentTaskApprovalDecisions>();
        builder.Services.AddHostedService<AgentTaskWorker>();
        return builder;
    }
}
