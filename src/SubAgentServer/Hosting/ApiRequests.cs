using Microsoft.AspNetCore.Authentication;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// The bearer-token APIs (<c>/mcp</c> and <c>/v1</c>) skip the identity provider's per-request work: no chat page
/// assets, no sign-in throttling, no OpenIddict request handling. The authentication middleware would offer every
/// request to each request-handling scheme (OpenIddict's server among them) before authenticating; for these paths
/// only the default scheme (bearer tokens) authenticates, as that middleware would then do.
/// </summary>
internal static class ApiRequests
{
    /// <summary>The key by which <c>UseAuthentication</c> tells WebApplication that it need not add the middleware itself.</summary>
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    public static bool IsApi(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/mcp", StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Runs <paramref name="site"/>'s middleware (ending with the authentication middleware) for every request except
    /// the bearer-token APIs', which are authenticated with the default scheme alone.
    /// </summary>
    public static IApplicationBuilder UseSiteOrApiAuthentication(this IApplicationBuilder app, Action<IApplicationBuilder> site)
    {
        app.UseWhen(static context => !IsApi(context), site);

        // The site branch's UseAuthentication marks only the branch's copy of the properties; without this mark the web
        // application would add a second authentication middleware at the start of the pipeline, before the branch
        // (and so before the sign-in throttling that must see OpenIddict's answers).
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        return app.UseWhen(IsApi, static api => api.Use(static async (context, next) =>
        {
            var result = await context.AuthenticateAsync();
            if (result.Principal is { } principal)
            {
                context.User = principal;
            }

            await next(context);
        }));
    }
}
