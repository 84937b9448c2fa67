using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.SubAgentServer.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>
/// <c>GET /approvals/{id}</c> shows a held tool call (server, tool, arguments) to its owner, signed in, with Approve and
/// Deny buttons; <c>POST /approvals/{id}</c> (antiforgery-checked) records the decision. Like login links, only the
/// account the call belongs to may decide it: anyone else who opens the link is refused. Calls of an app's end users
/// (no account here) are decided by the app, in its next request.
/// </summary>
internal static class ApprovalPages
{
    public const string Path = "approvals/";

    public static IEndpointRouteBuilder MapApprovalPages(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("/approvals").AllowAnonymous().ExcludeFromDescription();
        pages.MapGet("/{id}", ShowAsync);
        pages.MapPost("/{id}", DecideAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ShowAsync(
        string id, string? decision, HttpContext context, IMcpApprovalStore store, IAntiforgery antiforgery, TimeProvider timeProvider)
    {
        var (approval, refusal) = await OwnedAsync(id, context, store, timeProvider);
        if (refusal is not null)
        {
            return refusal;
        }

        var tokens = antiforgery.GetAndStoreTokens(context);
        var suggested = decision == "deny" ? "deny" : "approve";
        var body = new StringBuilder()
            .Append("<h1>Approve this tool call?</h1>")
            .Append(Call(approval!))
            .Append("<form method=\"post\">")
            .Append($"<input type=\"hidden\" name=\"{Html(tokens.FormFieldName)}\" value=\"{Html(tokens.RequestToken ?? "")}\">")
            .Append($"<button name=\"decision\" value=\"approve\"{(suggested == "approve" ? " autofocus" : "")}>Approve</button> ")
            .Append($"<button name=\"decision\" value=\"deny\"{(suggested == "deny" ? " autofocus" : "")}>Deny</button>")
            .Append("</form>");
        return Page(context, "Approve a tool call", body.ToString(), StatusCodes.Status200OK);
    }

    private static async Task<IResult> DecideAsync(
        string id, HttpContext context, IMcpApprovalStore store, IAntiforgery antiforgery, TimeProvider timeProvider, AgentTaskApprovalDecisions tasks)
    {
        var (approval, refusal) = await OwnedAsync(id, context, store, timeProvider);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!context.Request.HasFormContentType)
        {
            return Page(context, "Not a form", "<p>Decide with the buttons of the approval page.</p>", StatusCodes.Status415UnsupportedMediaType);
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            return Page(context, "Open the page again", "<p>This decision did not come from the approval page. Open the link again and decide there.</p>",
                StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form["decision"].ToString() is not ("approve" or "deny") || form["decision"].ToString() is not { } decision)
        {
            return Page(context, "No decision", "<p>Choose Approve or Deny.</p>", StatusCodes.Status400BadRequest);
        }

        var approve = decision == "approve";
        if (!await store.DecideAsync(approval!.Id, approval.UserKey, approve, timeProvider.GetUtcNow(), context.RequestAborted))
        {
            return Page(context, "Already decided", "<p>This call was decided or used meanwhile, or has expired.</p>", StatusCodes.Status409Conflict);
        }

        // A task that waits on this call goes on once all its calls are decided (even if this browser has gone meanwhile).
        await tasks.DecidedAsync(approval.UserKey, approval.Id, CancellationToken.None);
        var outcome = approve ? "Approved" : "Denied";
        return Page(context, outcome,
            $"<h1>{outcome}</h1>{Call(approval)}<p>An answer or agent task that waits for this decision goes on by itself; otherwise your app answers the call with \"{decision}\".</p>",
            StatusCodes.Status200OK);
    }

    /// <summary>The approval when the browser is signed in as its owner and it can still be decided; else the page saying why not.</summary>
    private static async Task<(McpToolApproval? Approval, IResult? Refusal)> OwnedAsync(
        string id, HttpContext context, IMcpApprovalStore store, TimeProvider timeProvider)
    {
        var approval = id.Length is > 0 and <= ToolApproval.IdMaxLength ? await store.FindAsync(id, context.RequestAborted) : null;
        if (approval is null)
        {
            return (null, Page(context, "No such call", "<p>No tool call waits for approval under this link: it is unknown, or expired a while ago.</p>",
                StatusCodes.Status404NotFound));
        }

        var users = context.RequestServices.GetRequiredService<UserManager<AppUser>>();
        if (await users.FindByIdAsync(approval.UserKey) is null)
        {
            return (null, Page(context, "Decided by the app", "<p>This call belongs to a user of an app: the app approves or denies it.</p>",
                StatusCodes.Status403Forbidden));
        }

        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var signedIn = session.Succeeded ? users.GetUserId(session.Principal!) : null;
        if (signedIn is null)
        {
            // Sign in first, then back to this page (the login page accepts only local return URLs).
            return (null, Results.Challenge(new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + context.Request.QueryString },
                [IdentityConstants.ApplicationScheme]));
        }

        if (signedIn != approval.UserKey)
        {
            return (null, Page(context, "Another account's call",
                "<p>This tool call waits for the approval of another account than the one signed in here. Pass the link to its owner.</p>",
                StatusCodes.Status403Forbidden));
        }

        var state = approval switch
        {
            { Used: true } => "was already answered",
            { Approved: true } => "was approved already",
            { Approved: false } => "was denied already",
            _ when approval.ExpiresAt <= timeProvider.GetUtcNow() => "has expired: it can no longer be approved",
            _ => null,
        };
        return state is null
            ? (approval, null)
            : (null, Page(context, "Already decided", $"<p>This call {state}.</p>{Call(approval)}", StatusCodes.Status409Conflict));
    }

    private static string Call(McpToolApproval approval) =>
        $"<dl><dt>Server</dt><dd>{Html(approval.ServerUrl.AbsoluteUri)}</dd><dt>Tool</dt><dd>{Html(approval.ToolName)}</dd>" +
        $"<dt>Arguments</dt><dd><pre>{Html(Pretty(approval.Arguments))}</pre></dd></dl>";

    private static string Pretty(string arguments)
    {
        try
        {
            return JsonNode.Parse(arguments)?.ToJsonString(ReadableJson.Indented) ?? arguments;
        }
        catch (JsonException)
        {
            return arguments;
        }
    }

    private static string Html(string text) => HtmlEncoder.Default.Encode(text);

    private static IResult Page(HttpContext context, string title, string body, int status)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Robots-Tag"] = "noindex";

        // A page whose buttons run tool calls must not be framed by another site (clickjacking).
        headers["X-Frame-Options"] = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        var html = $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">" +
            $"<title>{Html(title)}</title><style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}" +
            "pre{background:#f4f4f4;padding:.5rem;overflow:auto}button{font-size:1rem;padding:.4rem 1rem}</style></head>" +
            $"<body>{body}</body></html>";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }
}
