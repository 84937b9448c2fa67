using McpSubAgent.Completions.Requests;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary><c>/api/chat/servers</c>: the person's MCP servers, their on/off switch, and their status and tools.</summary>
internal static class ServersApi
{
    public const int MaxServersPerUser = 50;

    private const int BodyLimit = 16 * 1024;

    public static async Task<IResult> ListAsync(HttpContext http, AppDbContext db, CancellationToken cancellationToken)
    {
        var userKey = ChatUser.Key(http.User);
        var servers = await db.ChatServers.AsNoTracking().Where(s => s.UserKey == userKey).ToListAsync(cancellationToken);
        IReadOnlyList<ServerView> views = [.. servers.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).Select(ServerView.From)];
        return TypedResults.Json(views, ChatPageJsonContext.Default.IReadOnlyListServerView);
    }

    public static async Task<IResult> AddAsync(HttpContext http, AppDbContext db, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var (input, problem) = await ChatRequestBody.ReadAsync(http.Request, ChatPageJsonContext.Default.ServerInput, BodyLimit, cancellationToken);
        if (input is null)
        {
            return problem!;
        }

        if (Validate(input.Url) is { } invalid)
        {
            return ChatRequestBody.Invalid("url", invalid);
        }

        var userKey = ChatUser.Key(http.User);
        var url = new Uri(input.Url!.Trim()).AbsoluteUri;
        var existing = await db.ChatServers.Where(s => s.UserKey == userKey).Select(s => s.Url).ToListAsync(cancellationToken);
        if (existing.Contains(url, StringComparer.Ordinal))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "You added this server already.");
        }

        if (existing.Count >= MaxServersPerUser)
        {
            return ChatRequestBody.Invalid("url", $"You have {MaxServersPerUser} servers, the most there may be: remove one first.");
        }

        var server = new ChatServer
        {
            Id = Guid.CreateVersion7().ToString("N"),
            UserKey = userKey,
            Url = url,
            Enabled = input.Enabled ?? true,
            CreatedAt = timeProvider.GetUtcNow(),
        };
        db.ChatServers.Add(server);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Json(ServerView.From(server), ChatPageJsonContext.Default.ServerView, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<IResult> UpdateAsync(string id, HttpContext http, AppDbContext db, CancellationToken cancellationToken)
    {
        var (input, problem) = await ChatRequestBody.ReadAsync(http.Request, ChatPageJsonContext.Default.ServerInput, BodyLimit, cancellationToken);
        if (input is null)
        {
            return problem!;
        }

        if (input.Enabled is not { } enabled)
        {
            return ChatRequestBody.Invalid("enabled", "Give 'enabled': true or false.");
        }

        var userKey = ChatUser.Key(http.User);
        var server = await db.ChatServers.FirstOrDefaultAsync(s => s.Id == id && s.UserKey == userKey, cancellationToken);
        if (server is null)
        {
            return ChatRequestBody.NotFound("server");
        }

        server.Enabled = enabled;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Json(ServerView.From(server), ChatPageJsonContext.Default.ServerView);
    }

    public static async Task<IResult> DeleteAsync(string id, HttpContext http, AppDbContext db, CancellationToken cancellationToken)
    {
        var userKey = ChatUser.Key(http.User);
        var deleted = await db.ChatServers.Where(s => s.Id == id && s.UserKey == userKey).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? ChatRequestBody.NotFound("server") : TypedResults.NoContent();
    }

    public static async Task<IResult> StatusAsync(string id, HttpContext http, AppDbContext db, ServerStatusProbe probe, CancellationToken cancellationToken)
    {
        var userKey = ChatUser.Key(http.User);
        var server = await db.ChatServers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.UserKey == userKey, cancellationToken);
        return server is null
            ? ChatRequestBody.NotFound("server")
            : TypedResults.Json(await probe.ProbeAsync(server, cancellationToken), ChatPageJsonContext.Default.ServerStatusView);
    }

    /// <summary>Why a URL cannot be an MCP server, or null when it can (the SSRF guard still applies when it is used).</summary>
    private static string? Validate(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Give the server's URL.";
        }

        if (url.Length > ChatServer.UrlMaxLength)
        {
            return $"The URL is longer than {ChatServer.UrlMaxLength} characters.";
        }

        if (url.Contains('#', StringComparison.Ordinal))
        {
            return "The URL must not contain a fragment.";
        }

        try
        {
            // The same checks as the servers of any run.
            McpServerSpec.Create(url, "url");
            return null;
        }
        catch (InvalidRequestException ex)
        {
            return ex.Message;
        }
    }
}
