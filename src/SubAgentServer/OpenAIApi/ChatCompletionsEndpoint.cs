using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.Completions.Requests;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.Tasks;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// <c>POST /v1/chat/completions</c>: runs the engine for the caller, streaming or not, or (<c>background: true</c>) as an
/// agent task that answers at once with 202 and the task's result URLs.
/// </summary>
internal static class ChatCompletionsEndpoint
{
    public static async Task<IResult> CreateAsync(
        HttpContext http,
        AgentRunner runner,
        ModelCatalog models,
        AgentTaskStore tasks,
        AgentTaskRunRegistry registry,
        PublicOrigin origin,
        TimeProvider timeProvider,
        IOptions<OpenAIApiOptions> options,
        IOptions<CompletionsOptions> completions,
        ILogger<ChatCompletionStreamResult> logger)
    {
        var cancellationToken = http.RequestAborted;
        var limit = options.Value.MaxRequestBodyBytes;
        if (await BoundedBody.ReadAsync(http.Request.Body, limit, http.Request.ContentLength, cancellationToken) is not { } bytes)
        {
            return OpenAIErrorResult.TooLarge(limit);
        }

        JsonObject body;
        ChatCompletionRequest request;
        bool background;
        bool store;
        try
        {
            body = ParseObject(bytes);
            background = ReadFlag(body, "background") ?? false;
            body.Remove("background");
            request = ChatCompletionRequestParser.Parse(body);

            // OpenAI's own 'store' (keep the completion for evals) goes upstream; a background task's keeps or expires it.
            store = (background ? ReadFlag(body, "store") : null) ?? true;
        }
        catch (InvalidRequestException ex)
        {
            return OpenAIErrorResult.From(OpenAIError.From(ex)!);
        }

        var caller = OpenAICaller.From(http.User);
        var endUser = caller.IsApp ? request.User : null;
        if (endUser is { } u && (string.IsNullOrWhiteSpace(u) || u.Length > OpenAICaller.MaxEndUserLength))
        {
            return OpenAIErrorResult.BadRequest($"'user' must be 1 to {OpenAICaller.MaxEndUserLength} characters.", "user");
        }

        var model = request.Run.Model ?? completions.Value.DefaultModel;
        if (options.Value.RejectUnknownModels && await models.IsKnownAsync(model, cancellationToken) == false)
        {
            return OpenAIErrorResult.ModelNotFound(model);
        }

        var userKey = caller.UserKey(endUser);
        var loginNeedsEndUser = caller.LoginNeedsEndUser(endUser);
        if (background)
        {
            return await StartBackgroundAsync(http, body, request, userKey, loginNeedsEndUser, store, tasks, registry, origin, cancellationToken);
        }

        var id = McpCompletionsEngine.NewCompletionId();
        var created = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var settings = new RequestRunSettings
        {
            RunId = id, LoginNeedsEndUser = loginNeedsEndUser, ApprovalPages = new Uri(origin.BaseUri(http.Request), Approvals.ApprovalPages.Path),
        };
        StartedRun run;
        try
        {
            // A stream begins as soon as the run is accepted; a plain answer waits for the whole run anyway.
            run = await StartedRun.StartAsync(runner.RunRequestAsync(request.Run, userKey, 0, settings, cancellationToken), cancellationToken,
                untilFirstOutput: !request.Stream);
        }
        catch (Exception ex) when (OpenAIError.From(ex) is { } error)
        {
            return OpenAIErrorResult.From(error);
        }

        if (request.Stream)
        {
            return new ChatCompletionStreamResult(run, new ChatCompletionChunkWriter(id, model, created, request.IncludeUsage),
                completions.Value.KeepAliveInterval, timeProvider, logger);
        }

        await using (run)
        {
            var aggregator = new ChatCompletionAggregator();
            try
            {
                await foreach (var e in run.ReadAllAsync(cancellationToken))
                {
                    aggregator.Add(e);
                }
            }
            catch (Exception ex) when (OpenAIError.From(ex) is { } error)
            {
                return OpenAIErrorResult.From(error);
            }

            return TypedResults.Text(aggregator.ToCompletion(id, model, created).ToJsonString(ReadableJson.Compact), "application/json");
        }
    }

    private static async Task<IResult> StartBackgroundAsync(
        HttpContext http,
        JsonObject body,
        ChatCompletionRequest request,
        string userKey,
        bool loginNeedsEndUser,
        bool store,
        AgentTaskStore tasks,
        AgentTaskRunRegistry registry,
        PublicOrigin origin,
        CancellationToken cancellationToken)
    {
        if (request.Run.CallerTools.Count > 0)
        {
            return OpenAIErrorResult.BadRequest(
                "A background completion cannot return calls of your own tools to you: leave out 'tools' other than MCP servers, or drop 'background'.",
                "tools");
        }

        if (request.Run.McpServers.Any(s => !s.RequireApproval.IsNever))
        {
            return OpenAIErrorResult.BadRequest(
                "A background completion cannot hold tool calls for approval yet: use 'require_approval': \"never\", or drop 'background'.",
                "tools");
        }

        if (userKey.Length > AgentTask.OwnerKeyMaxLength)
        {
            return OpenAIErrorResult.BadRequest("The user key is too long for background tasks; use a shorter 'user'.", "user");
        }

        body.Remove("store");
        body.Remove("stream");
        body.Remove("stream_options");

        // A task waits for logins in the queue (auth_required, retried), not while holding a worker.
        body.Remove(EndUserLoginGuard.WaitForLoginField);
        try
        {
            await tasks.EnsureRoomForAsync(userKey, cancellationToken);
        }
        catch (TaskLimitException ex)
        {
            return OpenAIErrorResult.RateLimited(ex.Message, TaskLimitException.RetryAfter);
        }

        var task = await tasks.CreateAsync(userKey, new AgentTaskRequest { Request = body, LoginNeedsEndUser = loginNeedsEndUser }, store, cancellationToken);
        registry.WakeWorker();
        var baseUri = origin.BaseUri(http.Request);
        var started = new BackgroundCompletion(task.Id, task.Status,
            AgentTaskPages.MarkdownUrl(baseUri, task.Id).AbsoluteUri, AgentTaskPages.JsonUrl(baseUri, task.Id).AbsoluteUri);
        return TypedResults.Json(started, OpenAIApiJsonContext.Default.BackgroundCompletion, statusCode: StatusCodes.Status202Accepted);
    }

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

    private static bool? ReadFlag(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => throw new InvalidRequestException($"'{name}' must be true or false.", name),
    };
}
