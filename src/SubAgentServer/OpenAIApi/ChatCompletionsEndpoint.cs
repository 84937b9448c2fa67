using System.Text.Json.Nodes;
using McpSubAgent.Completions;
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
        var (body, invalid) = await OpenAIRequestBody.ReadAsync(http, options);
        if (body is null)
        {
            return invalid!;
        }

        ChatCompletionRequest request;
        bool background;
        bool store;
        try
        {
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

        var (caller, refusal) = await RunCaller.CheckAsync(http, request.User, request.Run.Model, models, options, completions);
        if (caller is null)
        {
            return refusal!;
        }

        var model = caller.Model;
        var userKey = caller.UserKey;
        var loginNeedsEndUser = caller.LoginNeedsEndUser;
        if (background)
        {
            return await StartBackgroundAsync(http, request, userKey, caller.Caller.IsApp, loginNeedsEndUser, store, tasks, registry, origin, cancellationToken);
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
        ChatCompletionRequest request,
        string userKey,
        bool isApp,
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

        if (isApp && request.Run.McpServers.Any(s => !s.RequireApproval.IsNever))
        {
            // A person decides a task's held calls on the approval pages; an app answers held calls in its next request,
            // which a background task does not have.
            return OpenAIErrorResult.BadRequest(
                "A background completion of an app cannot hold tool calls for approval: use 'require_approval': \"never\", or drop " +
                "'background' and answer the held calls in your next request.",
                "tools");
        }

        if (userKey.Length > AgentTask.OwnerKeyMaxLength)
        {
            return OpenAIErrorResult.BadRequest("The user key is too long for background tasks; use a shorter 'user'.", "user");
        }

        var upstreamFields = (JsonObject)request.Run.UpstreamFields.DeepClone();
        upstreamFields.Remove("store");
        upstreamFields.Remove("stream");
        upstreamFields.Remove("stream_options");

        // A task waits for logins (auth_required, retried) and decisions (input_required) in the queue, not while holding a worker.
        var run = request.Run with { UpstreamFields = upstreamFields, WaitForLogin = null, WaitForApproval = null };
        var baseUri = origin.BaseUri(http.Request);
        AgentTask task;
        try
        {
            task = await tasks.CreateAsync(userKey, AgentTaskRun.Create(AgentTaskSurface.ChatCompletion, run, loginNeedsEndUser), store, baseUri, cancellationToken);
        }
        catch (TaskLimitException ex)
        {
            return OpenAIErrorResult.RateLimited(ex.Message, TaskLimitException.RetryAfter);
        }

        registry.WakeWorker();
        var started = new BackgroundCompletion(task.Id, task.Status,
            AgentTaskPages.MarkdownUrl(baseUri, task.Id).AbsoluteUri, AgentTaskPages.JsonUrl(baseUri, task.Id).AbsoluteUri);
        return TypedResults.Json(started, OpenAIApiJsonContext.Default.BackgroundCompletion, statusCode: StatusCodes.Status202Accepted);
    }

    private static bool? ReadFlag(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => throw new InvalidRequestException($"'{name}' must be true or false.", name),
    };
}
