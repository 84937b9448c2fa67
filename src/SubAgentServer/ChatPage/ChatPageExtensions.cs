using McpSubAgent.Completions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>
/// The chat page at <c>/</c> (after signing in), its script and styles under <c>/chat/</c> (built from <c>ChatPage/web</c>
/// into <c>wwwroot/chat</c>), and its small JSON API under <c>/api/chat</c>.
/// </summary>
internal static class ChatPageExtensions
{
    public const string AssetsPath = "/chat";

    private const string IndexFile = "chat/index.html";

    // The page runs only its own bundle: even markup that slipped past the sanitiser could not run script.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    public static IHostApplicationBuilder AddChatPage(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BrowserSession>();
        builder.Services.AddSingleton<ServerStatusProbe>();
        return builder;
    }

    /// <summary>
    /// Serves the page's built assets; they hold nothing personal, so they come before authentication. They carry the
    /// page's policy too, so that <c>/chat/index.html</c> opened directly is as locked down as <c>/</c>.
    /// </summary>
    public static IApplicationBuilder UseChatPageAssets(this IApplicationBuilder app) =>
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
            },
        });

    public static IEndpointRouteBuilder MapChatPage(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", ServeIndexAsync).ExcludeFromDescription();

        var api = endpoints.MapGroup("/api/chat").AddEndpointFilter<ChatSessionFilter>();
        api.MapGet("/settings", (IOptions<CompletionsOptions> completions) =>
            TypedResults.Json(PageSettingsView.From(completions.Value), ChatPageJsonContext.Default.PageSettingsView));
        api.MapGet("/servers", ServersApi.ListAsync);
        api.MapPost("/servers", ServersApi.AddAsync);
        api.MapPatch("/servers/{id}", ServersApi.UpdateAsync);
        api.MapDelete("/servers/{id}", ServersApi.DeleteAsync);
        api.MapGet("/servers/{id}/status", ServersApi.StatusAsync);
        api.MapGet("/conversations", ConversationsApi.ListAsync);
        api.MapPost("/conversations", ConversationsApi.CreateAsync);
        api.MapGet("/conversations/{id}", ConversationsApi.GetAsync);
        api.MapPut("/conversations/{id}", ConversationsApi.UpdateAsync);
        api.MapDelete("/conversations/{id}", ConversationsApi.DeleteAsync);
        return endpoints;
    }

    private static async Task<IResult> ServeIndexAsync(HttpContext http, BrowserSession session, IWebHostEnvironment environment)
    {
        if (await session.UserIdAsync(http) is null)
        {
            return TypedResults.Challenge(new AuthenticationProperties { RedirectUri = "/" }, [IdentityConstants.ApplicationScheme]);
        }

        var index = environment.WebRootFileProvider.GetFileInfo(IndexFile);
        if (!index.Exists)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The chat page is not built",
                detail: "Build the project (its MSBuild target runs 'npm ci' and 'npm run build' in src/SubAgentServer/ChatPage/web).");
        }

        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        http.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        return TypedResults.Stream(index.CreateReadStream(), "text/html; charset=utf-8");
    }
}
