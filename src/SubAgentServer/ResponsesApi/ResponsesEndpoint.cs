using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.Completions.Requests;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.OpenAIApi;
using McpSubAgent.SubAgentServer.Tasks;
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
        AgentTaskStore tasks,
        AgentTaskRunRegistry registry,
        PublicOrigin origin,
        TimeProvider timeProvider,
        IOptions<OpenAIApiOptions> options,
        IOptions<CompletionsOptions> completions,
        ILogger<ResponseStreamResult> logger)
    {
        var cancellationToken = http.RequestAborted;
        var (body, invalid) = await OpenAIRequestBody.ReadAsync(http, options);
        if (body is null)
        {
            return invalid!;
        }

        ResponsesRequest request;
        try
        {
            request = ResponsesRequestParser.Parse(body);
        }
        catch (InvalidRequestException ex)
        {
            return OpenAIErrorResult.From(OpenAIError.From(ex)!);
        }

        var (caller, refusal) = await RunCaller.CheckAsync(http, request.User, request.Model, models, options, completions);
        if (caller is null)
        {
            return refusal!;
        }

        var model = caller.Model;
        var userKey = caller.UserKey;
        var items = new List<JsonObject>();
        if (request.PreviousResponseId is { } previousId)
        {
            var previous = await FindAsync(db, tasks, previousId, userKey, cancellationToken);
            if (previous is null)
            {
                return NotFound(previousId, "previous_response_id");
            }

            if (BackgroundResponses.IsPending(previous))
            {
                return OpenAIErrorResult.BadRequest($"The response {previousId} is still {previous.Status}: continue it once it has ended.", "previous_response_id");
            }

            items.AddRange(JsonNode.Parse(previous.ConversationJson)!.AsArray().OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()));
        }

        items.AddRange(request.Input.OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()));

        CompletionRunRequest runRequest;
        try
        {
            // The first message may name servers in front matter, as a chat message may.
            runRequest = (request.Run with { Messages = ResponseInput.ToMessages(request.Instructions, items) }).WithFrontMatter();
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

        // A chain of responses grows with each one; the request alone was bounded by its body's size.
        var size = System.Text.Encoding.UTF8.GetByteCount(runRequest.Messages.ToJsonString());
        if (size > completions.Value.MaxUpstreamRequestBytes)
        {
            return OpenAIErrorResult.BadRequest(
                $"The conversation is {size} bytes, over the limit of {completions.Value.MaxUpstreamRequestBytes} (Completions:MaxUpstreamRequestBytes): "
                + "start a new one or send less.", request.PreviousResponseId is null ? "input" : "previous_response_id", "context_length_exceeded");
        }

        if (request.Background)
        {
            var background = new ResponseBuilder(id, model, timeProvider.GetUtcNow().ToUnixTimeSeconds(), request, ResponseInput.ListedLabels(items), approvalIds);
            return await StartBackgroundAsync(db, tasks, registry, background, runRequest, request, userKey, caller.LoginNeedsEndUser, items, origin.BaseUri(http.Request), cancellationToken);
        }

        var settings = new RequestRunSettings
        {
            RunId = id,
            LoginNeedsEndUser = caller.LoginNeedsEndUser,
            ApprovalPages = new Uri(origin.BaseUri(http.Request), Approvals.ApprovalPages.Path),
        };
        StartedRun run;
        try
        {
            run = await StartedRun.StartAsync(runner.RunRequestAsync(runRequest, userKey, 0, settings, cancellationToken), cancellationToken,
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

    public static async Task<IResult> GetAsync(string id, HttpContext http, AppDbContext db, AgentTaskStore tasks)
    {
        var stored = await FindAsync(db, tasks, id, OwnerOf(http), http.RequestAborted);
        return stored is null ? NotFound(id) : TypedResults.Text(stored.ResponseJson, "application/json");
    }

    public static async Task<IResult> DeleteAsync(string id, HttpContext http, AppDbContext db, AgentTaskStore tasks, AgentTaskRunRegistry registry)
    {
        var owner = OwnerOf(http);
        var stored = await db.StoredResponses.FirstOrDefaultAsync(r => r.Id == id && r.OwnerKey == owner, http.RequestAborted);
        if (stored is null)
        {
            return NotFound(id);
        }

        if (BackgroundResponses.IsPending(stored) && await tasks.CancelAsync(owner, stored.TaskId!, http.RequestAborted))
        {
            registry.Cancel(stored.TaskId!);
        }

        db.StoredResponses.Remove(stored);
        await db.SaveChangesAsync(http.RequestAborted);
        return Json(new JsonObject { ["id"] = id, ["object"] = "response.deleted", ["deleted"] = true });
    }

    /// <summary>The input items of a stored response, newest first unless <c>order=asc</c>, as OpenAI lists them.</summary>
    public static async Task<IResult> ListInputItemsAsync(string id, HttpContext http, AppDbContext db)
    {
        var owner = OwnerOf(http);
        var stored = await db.StoredResponses.AsNoTracking().Where(r => r.Id == id && r.OwnerKey == owner).Select(r => r.InputJson)
            .FirstOrDefaultAsync(http.RequestAborted);
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

    /// <summary>Cancels a background response that has not ended; any other is refused, as OpenAI does.</summary>
    public static async Task<IResult> CancelAsync(string id, HttpContext http, AppDbContext db, AgentTaskStore tasks, AgentTaskRunRegistry registry)
    {
        var owner = OwnerOf(http);
        var stored = await FindAsync(db, tasks, id, owner, http.RequestAborted);
        if (stored is null)
        {
            return NotFound(id);
        }

        if (!BackgroundResponses.IsPending(stored))
        {
            return OpenAIErrorResult.BadRequest(stored.TaskId is null
                ? "Only a background response can be cancelled."
                : $"The response has ended ({stored.Status}) and cannot be cancelled.", "response_id");
        }

        if (await tasks.CancelAsync(owner, stored.TaskId!, http.RequestAborted))
        {
            registry.Cancel(stored.TaskId!);
        }

        await BackgroundResponses.RefreshAsync(stored, tasks, http.RequestAborted);
        await db.SaveChangesAsync(http.RequestAborted);
        return TypedResults.Text(stored.ResponseJson, "application/json");
    }

    private static string OwnerOf(HttpContext http)
    {
        // A person's responses are theirs; an app's belong to the end user it names (?user=, as on create) or to the app.
        var caller = OpenAICaller.From(http.User);
        var user = caller.IsApp && http.Request.Query["user"].ToString() is { Length: > 0 } u ? u : null;
        return caller.UserKey(user);
    }

    /// <summary>The caller's stored response (tracked), brought up to date with its task when it runs in the background.</summary>
    private static async Task<StoredResponse?> FindAsync(AppDbContext db, AgentTaskStore tasks, string id, string owner, CancellationToken cancellationToken)
    {
        var stored = await db.StoredResponses.FirstOrDefaultAsync(r => r.Id == id && r.OwnerKey == owner, cancellationToken);
        if (stored is not null && await BackgroundResponses.RefreshAsync(stored, tasks, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return stored;
    }

    private static async Task<IResult> StartBackgroundAsync(
        AppDbContext db, AgentTaskStore tasks, AgentTaskRunRegistry registry, ResponseBuilder builder, CompletionRunRequest run, ResponsesRequest request,
        string userKey, bool loginNeedsEndUser, List<JsonObject> items, Uri baseUri, CancellationToken cancellationToken)
    {
        var refusal = request switch
        {
            { Stream: true } => "A background response cannot be streamed here: drop 'stream', and poll GET /v1/responses/{id}.",
            { Store: false } => "A background response must be stored: drop 'store': false.",
            { HasFunctionTools: true } => "A background response cannot return calls of your own functions: leave out 'function' tools, or drop 'background'.",
            { MayHoldForApproval: true } =>
                "A background response cannot hold MCP calls for approval: give each MCP tool 'require_approval': \"never\", or drop 'background'.",
            _ when run.McpServers.Any(s => s.Headers.Count > 0) =>
                "A background response would have to store the MCP tools' 'authorization' and 'headers' until it runs, and those are never stored: "
                + "leave them out (the person's login through us is used), or drop 'background'.",
            _ when userKey.Length > AgentTask.OwnerKeyMaxLength => "The user key is too long for background responses; use a shorter 'user'.",
            _ => null,
        };
        if (refusal is not null)
        {
            return OpenAIErrorResult.BadRequest(refusal, "background");
        }

        // The task's answer is the model's text; its tool calls become mcp_call items from its transcript. It waits for
        // logins in the queue, not while holding a worker.
        run = run with { WaitForLogin = null };
        try
        {
            // What the task will run is checked now, so that a bad request is a 400 and not a failed task.
            run.Validate();
        }
        catch (InvalidRequestException ex)
        {
            return OpenAIErrorResult.From(OpenAIError.From(ex)!);
        }

        AgentTask task;
        try
        {
            task = await tasks.CreateAsync(userKey, AgentTaskRun.Create(AgentTaskSurface.Response, run, loginNeedsEndUser), store: true, baseUri, cancellationToken);
        }
        catch (TaskLimitException ex)
        {
            return OpenAIErrorResult.RateLimited(ex.Message, TaskLimitException.RetryAfter);
        }

        builder.Queue();
        await StoreAsync(db, builder, userKey, request, items, cancellationToken, task.Id);
        registry.WakeWorker();
        return Json(builder.Response);
    }

    private static async Task StoreAsync(
        AppDbContext db, ResponseBuilder builder, string userKey, ResponsesRequest request, List<JsonObject> items, CancellationToken cancellationToken,
        string? taskId = null)
    {
        var conversation = new JsonArray([.. items.Select(i => i.DeepClone()), .. builder.OutputItems.Select(i => i.DeepClone())]);
        db.StoredResponses.Add(new StoredResponse
        {
            Id = builder.Id,
            OwnerKey = userKey,
            CreatedAt = (long)builder.Response["created_at"]!,
            Status = builder.Status,
            PreviousResponseId = request.PreviousResponseId,
            TaskId = taskId,
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
}
