namespace McpSubAgent.SubAgentServer.Hosting;

internal static class MalformedRequestExtensions
{
    /// <summary>Answers requests that cannot be read with a 4xx in their endpoint's format; first, so that it covers every endpoint.</summary>
    public static IApplicationBuilder UseMalformedRequestErrors(this IApplicationBuilder app) => app.UseMiddleware<MalformedRequestMiddleware>();
}
