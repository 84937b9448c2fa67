using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

public sealed class AgentTaskMetricsTests
{
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

        var factory = harness.Host.Services.GetRequiredService<IMeterFactory>();
        var values = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "McpSubAgent.Tasks" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.Start();

        // One worker: one task runs (its LLM answers after 3 s) while two wait.
        await TaskTestHost.WaitUntilAsync(() =>
        {
            listener.RecordObservableInstruments();
            return values.GetValueOrDefault("mcpsubagent.tasks.working") == 1 && values.GetValueOrDefault("mcpsubagent.tasks.queued") == 2;
        }, "one working and two queued tasks", TimeSpan.FromSeconds(10));
        Assert.Equal(0, values.GetValueOrDefault("mcpsubagent.tasks.auth_required"));
    }
}
