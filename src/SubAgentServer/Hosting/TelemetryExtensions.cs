using McpSubAgent.Completions.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// OpenTelemetry traces (a trace per run with spans per round, upstream call and tool call, besides ASP.NET Core and
/// HttpClient spans), metrics and logs, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard
/// <c>OTEL_*</c> variables configure the exporter and the service name).
/// </summary>
internal static class TelemetryExtensions
{
    public const string ServiceName = "mcpsubagent";

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        // Without an exporter nothing would read the data, so nothing is collected: each request would otherwise pay for
        // an Activity and its tags (measured in docs/benchmarks.md). The meters themselves stay readable by listeners.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeScopes = true;
            o.IncludeFormattedMessage = true;
        });
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithTracing(t => t.AddSource(CompletionsTelemetry.Name).AddAspNetCoreInstrumentation(o => o.Filter = IsNotProbe).AddHttpClientInstrumentation())
            .WithMetrics(m => m.AddMeter(CompletionsTelemetry.Name, Tasks.AgentTaskMetrics.MeterName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
            .UseOtlpExporter();
        return builder;
    }

    /// <summary>Health probes are not traced: they come every few seconds and say nothing about the service's work.</summary>
    private static bool IsNotProbe(HttpContext context) => !context.Request.Path.StartsWithSegments(Health.HealthExtensions.LivenessPath, StringComparison.OrdinalIgnoreCase);
}
