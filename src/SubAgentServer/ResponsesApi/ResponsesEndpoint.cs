using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.Completions.Requests;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.OpenAIApi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>
/// <c>POST /v1/responses</c>: OpenAI's Responses API on the engine. The input (and the stored conversation of
/// <c>previous_response_id</c>) becomes chat-completions messages; the run's events become output items, streamed or
/// in one object; a stored response is kept for its owner.
/// </summary>
internal static class ResponsesEndpoint
{
    public static async Task<IResult> CreateAsync(
        HttpContext http,
        AgentRunner runner,
        ModelCatalog models,
        AppDbContext db,
        IMcpApprovalStore approvals,
        PublicOrigin origin,
        TimeProvider timeProvider,
        IOptions<OpenAIApiOptions> options,
        IOptions<CompletionsOptions> completions,
        ILogger<ResponseStreamResult> logger)
    {
        var cancellationToken = http.RequestAborted;
        var limit = options.Value.MaxRequestBodyBytes;
        if (await BoundedBody.ReadAsync(http.Request.Body, limit, http.Request.ContentLength, cancellationToken) is not { } bytes)
        {
            return OpenAIErrorResult.TooLarge(limit);
        }

        ResponsesRequest request;
        try
        {
            request = ResponsesRequestParser.Parse(ParseObject(bytes));
        }
        catch (InvalidRequestException ex)
        {
            return OpenAIErrorResult.From(OpenAIError.From(ex)!);
        }

        if (request.Background)
        {
            return OpenAIErrorResult.BadRequest("'background' is not supported on /v1/responses yet; use /v1/chat/completions with 'background': true.",
                "background", "unsupported_parameter");
        }

        var caller = OpenAICaller.From(http.User);
        var endUser = caller.IsApp ? request.User : null;
        if (endUser is { } u && (string.IsNullOrWhiteSpace(u) || u.Length > OpenAICaller.MaxEndUserLength))
        {
            return OpenAIErrorResult.BadRequest($"'user' must be 1 to {OpenAICaller.MaxEndUserLength} characters.", "user");
        }

        var model = request.Model ?? completions.Value.DefaultModel;
        if (options.Value.RejectUnknownModels && await models.IsKnownAsync(model, cancellationToken) == false)
        {
            return OpenAIErrorResult.ModelNotFound(model);
        }

        var userKey = caller.UserKey(endUser);
        var items = new List<JsonObject>();
        if (request.PreviousResponseId is { } previousId)
        {
            var previous = await Find(db, previousId, userKey).Select(r => r.ConversationJson).FirstOrDefaultAsync(cancellationToken);
            if (previous is null)
            {
                return NotFound(previousId, "previous_response_id");
            }

            items.AddRange(JsonNode.Parse(previous)!.AsArray().OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()));
        }

        items.AddRange(request.Input.OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()));

        JsonArray messages;
        try
        {
            messages = ResponseInput.ToMessages(request.Instructions, items);
        }
        catch (InvalidRequestException ex)
        {
            return OpenAIErrorResult.From(OpenAIError.From(ex)!);
        }

        // An approved call's mcp_call item names the approval it ran under.
        var approvalIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var answer in ResponseInput.TrailingApprovalResponses(items))
        {
            if (await approvals.FindAsync((string)answer["approval_request_id"]!, cancellationToken) is { } approval && approval.UserKey == userKey)
            {
                approvalIds[approval.CallId] = approval.Id;
            }
        }

        var id = ResponseIds.Response();
        var chatBody = (JsonObject)request.ChatBody.DeepClone();
        chatBody["messages"] = messages.DeepClone();
        var settings = new RequestRunSettings
        {
            RunId = id,
            LoginNeedsEndUser = caller.LoginNeedsEndUser(endUser),
            ApprovalPages = new Uri(origin.BaseUri(http.Request), Approvals.ApprovalPages.Path),
        };
        StartedRun run;
        try
        {
            run = await StartedRun.StartAsync(runner.RunRequestAsync(chatBody, userKey, messages, 0, settings, cancellationToken), cancellationToken,
                untilFirstOutput: !request.Stream);
        }
        catch (Exception ex) when (OpenAIError.From(ex) is { } error)
        {
            return OpenAIErrorResult.From(error);
        }

        var builder = new ResponseBuilder(id, model, timeProvider.GetUtcNow().ToUnixTimeSeconds(), request,
            ResponseInput.ListedLabels(items), approvalIds);
        Task SaveAsync(CancellationToken ct) => request.Store ? StoreAsync(db, builder, userKey, request, items, ct) : Task.CompletedTask;
        if (request.Stream)
        {
            return new ResponseStreamResult(run, builder, SaveAsync, completions.Value.KeepAliveInterval, timeProvider, logger);
        }

        await using (run)
        {
            try
            {
                await foreach (var e in run.ReadAllAsync(cancellationToken))
                {
                    builder.Add(e);
                }
            }
            catch (Exception ex) when (OpenAIError.From(ex) is { } error)
            {
                return OpenAIErrorResult.From(error);
            }
        }

        await SaveAsync(cancellationToken);
        return Json(builder.Response);
    }

    public static async Task<IResult> GetAsync(string id, HttpContext http, AppDbContext db)
    {
        var stored = await Find(db, id, OwnerOf(http)).Select(r => r.ResponseJson).FirstOrDefaultAsync(http.RequestAborted);
        return stored is null ? NotFound(id) : TypedResults.Text(stored, "application/json");
    }

    public static async Task<IResult> DeleteAsync(string id, HttpContext http, AppDbContext db)
    {
        var deleted = await Find(db, id, OwnerOf(http)).ExecuteDeleteAsync(http.RequestAborted);
        return deleted == 0 ? NotFound(id) : Json(new JsonObject { ["id"] = id, ["object"] = "response.deleted", ["deleted"] = true });
    }

    /// <summary>The input items of a stored response, newest first unless <c>order=asc</c>, as OpenAI lists them.</summary>
    public static async Task<IResult> ListInputItemsAsync(string id, HttpContext http, AppDbContext db)
    {
        var stored = await Find(db, id, OwnerOf(http)).Select(r => r.InputJson).FirstOrDefaultAsync(http.RequestAborted);
        if (stored is null)
        {
            return NotFound(id);
        }

        var query = http.Request.Query;
        var order = query["order"].ToString() is { Length: > 0 } o ? o : "desc";
        if (order is not ("asc" or "desc"))
        {
            return OpenAIErrorResult.BadRequest("'order' must be \"asc\" or \"desc\".", "order");
        }

        var limit = 20;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit is < 1 or > 100))
        {
            return OpenAIErrorResult.BadRequest("'limit' must be a whole number from 1 to 100.", "limit");
        }

        var items = JsonNode.Parse(stored)!.AsArray().OfType<JsonObject>().ToList();
        if (order == "desc")
        {
            items.Reverse();
        }

        var after = query["after"].ToString();
        if (after.Length > 0)
        {
            var at = items.FindIndex(i => (string?)i["id"] == after);
            items = at < 0 ? [] : items[(at + 1)..];
        }

        var page = items.Take(limit).ToList();
        return Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. page.Select(i => i.DeepClone())]),
            ["first_id"] = (string?)page.FirstOrDefault()?["id"],
            ["last_id"] = (string?)page.LastOrDefault()?["id"],
            ["has_more"] = items.Count > page.Count,
        });
    }

    /// <summary>Only background responses can be cancelled; a stored response has ended already.</summary>
    public static async Task<IResult> CancelAsync(string id, HttpContext http, AppDbContext db)
    {
        var exists = await Find(db, id, OwnerOf(http)).AnyAsync(http.RequestAborted);
        return exists
            ? OpenAIErrorResult.BadRequest("Only a background response can be cancelled, and this one has ended.", "response_id", "invalid_request")
            : NotFound(id);
    }

    private static string OwnerOf(HttpContext http)
    {
        // A person's responses are theirs; an app's belong to the end user it names (?user=, as on create) or to the app.
        var caller = OpenAICaller.From(http.User);
        var user = caller.IsApp && http.Request.Query["user"].ToString() is { Length: > 0 } u ? u : null;
        return caller.UserKey(user);
    }

    private static IQueryable<StoredResponse> Find(AppDbContext db, string id, string owner) =>
        db.StoredResponses.AsNoTracking().Where(r => r.Id == id && r.OwnerKey == owner);

    private static async Task StoreAsync(
        AppDbContext db, ResponseBuilder builder, string userKey, ResponsesRequest request, List<JsonObject> items, CancellationToken cancellationToken)
    {
        var conversation = new JsonArray([.. items.Select(i => i.DeepClone()), .. builder.OutputItems.Select(i => i.DeepClone())]);
        db.StoredResponses.Add(new StoredResponse
        {
            Id = builder.Id,
            OwnerKey = userKey,
            CreatedAt = (long)builder.Response["created_at"]!,
            Status = builder.Status,
            PreviousResponseId = request.PreviousResponseId,
            ResponseJson = builder.Response.ToJsonString(ReadableJson.Compact),
            InputJson = WithIds(request.Input).ToJsonString(ReadableJson.Compact),
            ConversationJson = conversation.ToJsonString(ReadableJson.Compact),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Input items as listed later: each with an id (OpenAI gives input messages <c>msg_</c> ids).</summary>
    private static JsonArray WithIds(JsonArray input) => new([.. input.OfType<JsonObject>().Select(i =>
    {
        var copy = (JsonObject)i.DeepClone();
        if (copy["id"] is null)
        {
            copy["id"] = ResponseIds.Message();
        }

        return (JsonNode)copy;
    })]);

    private static OpenAIErrorResult NotFound(string id, string? param = null) => new(new OpenAIError(HttpStatusCode.NotFound,
        $"Response with id '{id}' not found.", "invalid_request_error", param, param is null ? "not_found" : "previous_response_not_found"));

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Json(JsonObject body) => TypedResults.Text(body.ToJsonString(ReadableJson.Compact), "application/json");

    private static JsonObject ParseObject(byte[] bytes)
    {
        try
        {
            StrictJson.Validate(bytes);
            return JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidRequestException("The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException($"The request body is not valid JSON: {ex.Message}", innerException: ex);
        }
    }
}
