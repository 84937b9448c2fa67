using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace McpSubAgent.SubAgentServer.Health;

/// <summary>
/// Liveness at <c>GET /healthz</c> (the process answers; no check runs, so probes cost next to nothing) and readiness at
/// <c>GET /healthz/ready</c> (the checks tagged <see cref="ReadyTag"/>, such as the database).
/// </summary>
internal static class HealthExtensions
{
    public const string ReadyTag = "ready";

    private static readonly byte[] Live = """{"status":"Healthy"}"""u8.ToArray();

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks();
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", static (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.Body.WriteAsync(Live, context.RequestAborted).AsTask();
        });
        endpoints.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsJsonAsync(new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
                }, context.RequestAborted);
            },
        });
        return endpoints;
    }
}
