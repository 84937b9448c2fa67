using System.Text.Json.Nodes;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Usage;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary><c>/api/chat/conversations</c>: the person's conversations, to list, open, save, rename and delete.</summary>
internal static class ConversationsApi
{
    /// <summary>The largest conversation body accepted: tool results are kept in the messages, so they may be long.</summary>
    public const int BodyLimit = 4 * 1024 * 1024;

    public const int ListLimit = 200;

    private const string DefaultTitle = "New chat";

    private static readonly string[] Roles = ["system", "user", "assistant"];

    public static async Task<IResult> ListAsync(HttpContext http, AppDbContext db, CancellationToken cancellationToken)
    {
        var userKey = ChatUser.Key(http.User);
        var conversations = await db.ChatConversations.AsNoTracking()
            .Where(c => c.UserKey == userKey)
            .OrderByDescending(c => c.UpdatedAt)
            .Take(ListLimit)
            .Select(c => new ConversationSummary(c.Id, c.Title, c.UpdatedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Json<IReadOnlyList<ConversationSummary>>(conversations, ChatPageJsonContext.Default.IReadOnlyListConversationSummary);
    }

    public static async Task<IResult> GetAsync(string id, HttpContext http, AppDbContext db, CancellationToken cancellationToken)
    {
        var userKey = ChatUser.Key(http.User);
        var conversation = await db.ChatConversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.UserKey == userKey, cancellationToken);
        return conversation is null
            ? ChatRequestBody.NotFound("conversation")
            : TypedResults.Json(ConversationView.From(conversation), ChatPageJsonContext.Default.ConversationView);
    }

    public static async Task<IResult> CreateAsync(HttpContext http, AppDbContext db, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var (input, problem) = await ChatRequestBody.ReadAsync(http.Request, ChatPageJsonContext.Default.ConversationInput, BodyLimit, cancellationToken);
        if (input is null)
        {
            return problem!;
        }

        if (Validate(input) is { } invalid)
        {
            return invalid;
        }

        var now = timeProvider.GetUtcNow();
        var conversation = new ChatConversation
        {
            Id = Guid.CreateVersion7().ToString("N"),
            UserKey = ChatUser.Key(http.User),
            Title = input.Title?.Trim() is { Length: > 0 } title ? title : DefaultTitle,
            Model = input.Model,
            MessagesJson = (input.Messages ?? []).ToJsonString(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ChatConversations.Add(conversation);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Json(ConversationView.From(conversation), ChatPageJsonContext.Default.ConversationView, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<IResult> UpdateAsync(
        string id, HttpContext http, AppDbContext db, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var (input, problem) = await ChatRequestBody.ReadAsync(http.Request, ChatPageJsonContext.Default.ConversationInput, BodyLimit, cancellationToken);
        if (input is null)
        {
            return problem!;
        }

        if (Validate(input) is { } invalid)
        {
            return invalid;
        }

        if (input.Title is { } newTitle && newTitle.Trim().Length == 0)
        {
            return ChatRequestBody.Invalid("title", "The title must not be empty.");
        }

        var userKey = ChatUser.Key(http.User);
        var conversation = await db.ChatConversations.FirstOrDefaultAsync(c => c.Id == id && c.UserKey == userKey, cancellationToken);
        if (conversation is null)
        {
            return ChatRequestBody.NotFound("conversation");
        }

        if (input.Title is { } title)
        {
            conversation.Title = title.Trim();
        }

        if (input.Model is { } model)
        {
            conversation.Model = model;
        }

        if (input.Messages is { } messages)
        {
            conversation.MessagesJson = messages.ToJsonString();
        }

        conversation.UpdatedAt = timeProvider.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Deleted (in another tab) between reading and saving it.
            return ChatRequestBody.NotFound("conversation");
        }
        return TypedResults.Json(ConversationView.From(conversation), ChatPageJsonContext.Default.ConversationView);
    }

    public static async Task<IResult> DeleteAsync(string id, HttpContext http, AppDbContext db, CancellationToken cancellationToken)
    {
        var userKey = ChatUser.Key(http.User);
        var deleted = await db.ChatConversations.Where(c => c.Id == id && c.UserKey == userKey).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? ChatRequestBody.NotFound("conversation") : TypedResults.NoContent();
    }

    private static IResult? Validate(ConversationInput input)
    {
        if (input.Title is { Length: > ChatConversation.TitleMaxLength })
        {
            return ChatRequestBody.Invalid("title", $"The title is longer than {ChatConversation.TitleMaxLength} characters.");
        }

        if (input.Model is { Length: > UsageRecord.ModelMaxLength })
        {
            return ChatRequestBody.Invalid("model", $"The model id is longer than {UsageRecord.ModelMaxLength} characters.");
        }

        for (var i = 0; i < (input.Messages?.Count ?? 0); i++)
        {
            if (input.Messages![i] is not JsonObject message
                || message["role"] is not JsonValue role || !role.TryGetValue(out string? roleName) || !Roles.Contains(roleName)
                || message["content"] is not JsonValue content || !content.TryGetValue(out string? _))
            {
                return ChatRequestBody.Invalid($"messages[{i}]", "Each message must be {\"role\": \"system\" | \"user\" | \"assistant\", \"content\": \"...\"}.");
            }
        }

        return null;
    }
}
