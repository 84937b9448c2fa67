using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace McpSubAgent.SubAgentServer.Health;

/// <summary>
/// Liveness at <c>GET /healthz</c> (the process answers; nothing is checked) and readiness at <c>GET /healthz/ready</c>
/// (the checks tagged <see cref="ReadyTag"/>, such as the database).
/// </summary>
internal static class HealthExtensions
{
    public const string ReadyTag = "ready";
    public const string LivenessPath = "/healthz";

    private static readonly byte[] Live = """{"status":"Healthy"}"""u8.ToArray();

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Answers liveness probes before the rest of the pipeline (host checks, the identity provider's request handling,
    /// authentication), so that a probe costs about what a bare ASP.NET Core request costs; place it first.
    /// </summary>
    public static IApplicationBuilder UseLiveness(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        var request = context.Request;
        if (!request.Path.Equals(LivenessPath, StringComparison.OrdinalIgnoreCase) || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        {
            return next(context);
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = Live.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(Live, context.RequestAborted).AsTask();
    });

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivenessPath + "/ready", new HealthCheckOptions
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
