using System.Diagnostics.Metrics;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

public sealed class AgentTaskMetricsTests
{
    private const string MeterName = "McpSubAgent.Tasks";

    [Fact]
    public async Task QueueGauges_CountQueuedAndWorkingTasks()
    {
        await using var harness = await TaskTestHost.StartAsync(new Dictionary<string, string?> { ["Tasks:WorkerConcurrency"] = "1" });
        harness.Llm.Responder = _ => LlmReply.Text("slow answer") with { DelayBeforeHeaders = TimeSpan.FromSeconds(3) };
        var client = await harness.SignInAsync("metrics@example.com");
        for (var i = 0; i < 3; i++)
        {
            await harness.StartTaskAsync(client, $"task {i}");
        }

        // Observed by meter and instrument name, as an OpenTelemetry exporter sees them.
        var factory = harness.Host.Services.GetRequiredService<IMeterFactory>();
        using var queued = new MetricCollector<long>(factory, MeterName, "mcpsubagent.tasks.queued");
        using var working = new MetricCollector<long>(factory, MeterName, "mcpsubagent.tasks.working");
        using var authRequired = new MetricCollector<long>(factory, MeterName, "mcpsubagent.tasks.auth_required");

        // One worker: one task runs (its LLM answers after 3 s) while two wait.
        await TaskTestHost.WaitUntilAsync(() =>
        {
            queued.RecordObservableInstruments();
            working.RecordObservableInstruments();
            return working.LastMeasurement?.Value == 1 && queued.LastMeasurement?.Value == 2;
        }, "one working and two queued tasks", TimeSpan.FromSeconds(10));
        authRequired.RecordObservableInstruments();
        Assert.Equal(0, authRequired.LastMeasurement?.Value);
    }
}
