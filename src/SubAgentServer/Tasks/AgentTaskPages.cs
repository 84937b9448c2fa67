using System.Text;
using System.Text.Json;
using McpSubAgent.Completions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// <c>GET /tasks/{id}.md</c> and <c>/tasks/{id}.json</c>: a task's result without sign-in. The id (256 random bits) is
/// the capability; the pages show the task and nothing else (not its owner, not its prompt, no other task).
/// </summary>
internal static class AgentTaskPages
{
    /// <summary>How often a pending task's markdown page asks to be reloaded (the <c>Refresh</c> header).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    public static Uri MarkdownUrl(Uri baseUri, string id) => new(baseUri, $"tasks/{id}.md");

    public static Uri JsonUrl(Uri baseUri, string id) => new(baseUri, $"tasks/{id}.json");

    public static IEndpointRouteBuilder MapAgentTaskPages(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("/tasks").AllowAnonymous();
        pages.MapGet("/{id}.md", GetMarkdownAsync).WithName("AgentTaskMarkdown");
        pages.MapGet("/{id}.json", GetJsonAsync).WithName("AgentTaskJson");
        return endpoints;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetMarkdownAsync(
        string id, AgentTaskStore store, HttpContext context, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, store, cancellationToken) is not { } task)
        {
            return NotFound();
        }

        NoCaching(context.Response);
        var pending = AgentTaskStatus.IsPending(task.Status);
        if (pending)
        {
            // Markdown cannot refresh itself; browsers honour the header.
            context.Response.Headers["Refresh"] = ((int)RefreshInterval.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return TypedResults.Text(AgentTaskMarkdown.Render(task, pending ? RefreshInterval : null), "text/markdown; charset=utf-8", Encoding.UTF8);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetJsonAsync(
        string id, AgentTaskStore store, HttpContext context, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, store, cancellationToken) is not { } task)
        {
            return NotFound();
        }

        NoCaching(context.Response);
        var json = JsonSerializer.SerializeToNode(task, AgentTaskJsonContext.Default.AgentTaskView)!.ToJsonString(ReadableJson.Compact);
        return TypedResults.Text(json, "application/json; charset=utf-8", Encoding.UTF8);
    }

    // Login links stay with the owner (get_agent_task): whoever completes one connects their downstream account to the
    // owner's user key, and the task URL may have been shared.
    private static async Task<AgentTaskView?> FindAsync(string id, AgentTaskStore store, CancellationToken cancellationToken) =>
        id.Length is 0 or > AgentTask.IdMaxLength || await store.FindByIdAsync(id, cancellationToken) is not { } task
            ? null
            : AgentTaskView.From(task) with { LoginLinks = [] };

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(title: "Task not found", detail: "There is no task with this id; tasks started with store=false are deleted a day after they end.", statusCode: StatusCodes.Status404NotFound);

    private static void NoCaching(HttpResponse response)
    {
        // The URL is a secret: keep it out of caches and out of the Referer of links on the page.
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["X-Robots-Tag"] = "noindex";
    }
}
