using System.Diagnostics.Metrics;
using McpSubAgent.SubAgentServer.Data;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// The task queue as metrics: tasks waiting for a worker and tasks running, across all replicas (read from the
/// database when a collector asks, typically once per export interval).
/// </summary>
internal sealed class AgentTaskMetrics
{
    public const string MeterName = "McpSubAgent.Tasks";

    public AgentTaskMetrics(IMeterFactory meterFactory, IServiceScopeFactory scopes)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("mcpsubagent.tasks.queued", () => Count(scopes, AgentTaskStatus.Queued), "{task}", "Tasks waiting for a worker.");
        meter.CreateObservableGauge("mcpsubagent.tasks.working", () => Count(scopes, AgentTaskStatus.Working), "{task}", "Tasks a worker is running.");
        meter.CreateObservableGauge("mcpsubagent.tasks.auth_required", () => Count(scopes, AgentTaskStatus.AuthRequired), "{task}", "Tasks waiting for their owner to log in.");
        meter.CreateObservableGauge("mcpsubagent.tasks.input_required", () => Count(scopes, AgentTaskStatus.InputRequired), "{task}", "Tasks waiting for their owner to approve tool calls.");
    }

    private static long Count(IServiceScopeFactory scopes, string status)
    {
        // Observable instruments are read synchronously by the collector.
        using var scope = scopes.CreateScope();
        return scope.ServiceProvider.GetRequiredService<AppDbContext>().AgentTasks.LongCount(t => t.Status == status);
    }
}
