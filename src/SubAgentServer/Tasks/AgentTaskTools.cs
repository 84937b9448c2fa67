using System.ComponentModel;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Requests;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.McpEndpoint;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>The async agent tasks of <c>/mcp</c>: start, get, cancel and list the caller's background sub-agent runs.</summary>
[McpServerToolType]
internal sealed class AgentTaskTools(
    AgentTaskStore tasks,
    AgentTaskRunRegistry registry,
    PublicOrigin origin,
    IHttpContextAccessor httpContextAccessor,
    IOptions<AgentTaskOptions> options)
{
    public const int DefaultListLimit = 20;
    public const int MaxListLimit = 100;

    [McpServerTool(Name = "start_agent_task", Title = "Start a sub-agent task", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = true,
        UseStructuredContent = true, OutputSchemaType = typeof(AgentTaskStarted))]
    [Description("""
        Starts a sub-agent in the background and returns at once with a task_id: an LLM that works on the prompt with the
        tools of the given remote MCP servers, using the user's own logins to them. Use it for jobs that take longer than a
        tool call should (many tool calls, slow servers). Poll get_agent_task with the task_id every poll_interval_ms until
        the status is completed, failed, cancelled, auth_required (then show the user the login links; the task resumes by
        itself after the login) or input_required (tool calls wait for the user's approval: show the user the approvals'
        links; the task resumes by itself once they are decided). result_url (markdown) and json_url show the result to anyone who has the link, without
        sign-in: share them only with people who may see the result. Tasks survive restarts of the server.
        """)]
    public async Task<CallToolResult> StartAgentTaskAsync(
        ClaimsPrincipal user,
        [Description("What the sub-agent should do, with all the context it needs: it does not see this conversation.")] string prompt,
        [Description("URLs of remote MCP servers (streamable HTTP) whose tools the sub-agent may use, e.g. https://mcp.notion.com/mcp.")] string[]? mcp_servers = null,
        [Description("When given, only these tool names of the servers are offered to the sub-agent.")] string[]? allowed_tools = null,
        [Description("The model id to use; the server's default when omitted.")] string? model = null,
        [Description("A system prompt for the sub-agent: role, style, constraints.")] string? instructions = null,
        [Description("The most tool rounds the sub-agent may take (1 to 100; default 10).")] int? max_rounds = null,
        [Description("A named set of the user's logins (e.g. \"work\"), for users with several accounts on one server.")] string? profile = null,
        [Description("true (default) keeps the task and its result; false deletes them 24 hours after the task ends.")] bool store = true,
        [Description("Which tools need the user's approval before they run: \"never\" (default), \"always\", or {\"always\": {\"tool_names\": [...], \"read_only\": false}, \"never\": {...}} as OpenAI's MCP tool. The task then waits in input_required until the user decides.")] JsonElement? require_approval = null,
        CancellationToken cancellationToken = default)
    {
        AgentParameters parameters;
        try
        {
            var policy = require_approval is { } given ? JsonNode.Parse(given.GetRawText()) : null;
            McpApprovalPolicy.Parse(policy, "require_approval");
            parameters = AgentParameters.FromTool(prompt, mcp_servers, allowed_tools, model, instructions, max_rounds, profile) with { RequireApproval = policy };
            parameters.Validate();
        }
        catch (Exception ex) when (ex is AgentInputException or InvalidRequestException)
        {
            return Error(ex.Message);
        }

        var ownerKey = SubAgentTools.UserKey(user);
        if (ownerKey.Length > AgentTask.OwnerKeyMaxLength)
        {
            return Error("This account's user id is too long for background tasks; use run_agent instead.");
        }

        var request = httpContextAccessor.HttpContext?.Request
            ?? throw new InvalidOperationException("start_agent_task runs inside an HTTP request of /mcp.");
        AgentTask task;
        try
        {
            task = await tasks.CreateAsync(ownerKey, AgentTaskRun.FromParameters(parameters), store, origin.BaseUri(request), cancellationToken);
        }
        catch (TaskLimitException ex)
        {
            return Error(ex.Message);
        }

        registry.WakeWorker();

        var started = new AgentTaskStarted
        {
            TaskId = task.Id,
            Status = task.Status,
            ResultUrl = AgentTaskPages.MarkdownUrl(origin.BaseUri(request), task.Id).AbsoluteUri,
            JsonUrl = AgentTaskPages.JsonUrl(origin.BaseUri(request), task.Id).AbsoluteUri,
            PollIntervalMs = (int)options.Value.ClientPollInterval.TotalMilliseconds,
        };
        var text = $"""
            Started agent task {started.TaskId}. Poll get_agent_task with this task_id every {started.PollIntervalMs / 1000.0:0.#} s until it is done.
            Result (markdown): {started.ResultUrl}
            Result (JSON): {started.JsonUrl}
            """;
        return Result(text, started, AgentTaskJsonContext.Default.AgentTaskStarted);
    }

    [McpServerTool(Name = "get_agent_task", Title = "Get a sub-agent task", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(AgentTaskView))]
    [Description("""
        Gets the status and the result so far of one of the user's agent tasks (from start_agent_task). status is queued or
        working while it runs (poll again later), auth_required when the user must open the login_links first (it resumes by
        itself afterwards), input_required when tool calls wait for the user's approval (show the user the approvals with
        their links; it resumes by itself once they are decided), or completed, failed (see error) or cancelled. output is the markdown answer, with every tool call
        and result, as far as the task got.
        """)]
    public async Task<CallToolResult> GetAgentTaskAsync(
        ClaimsPrincipal user,
        [Description("The task_id that start_agent_task returned.")] string task_id,
        CancellationToken cancellationToken = default)
    {
        var task = await tasks.FindAsync(SubAgentTools.UserKey(user), task_id, cancellationToken);
        return task is null ? NotFound(task_id) : Result(AgentTaskView.From(task));
    }

    [McpServerTool(Name = "cancel_agent_task", Title = "Cancel a sub-agent task", ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(AgentTaskView))]
    [Description("""
        Cancels one of the user's agent tasks: its running work stops within a second and its status becomes cancelled; the
        output it produced so far is kept. A task that already ended is returned as it is.
        """)]
    public async Task<CallToolResult> CancelAgentTaskAsync(
        ClaimsPrincipal user,
        [Description("The task_id that start_agent_task returned.")] string task_id,
        CancellationToken cancellationToken = default)
    {
        var ownerKey = SubAgentTools.UserKey(user);
        if (await tasks.CancelAsync(ownerKey, task_id, cancellationToken))
        {
            // Stops the run here at once; a replica that runs it notices on its next lease check.
            registry.Cancel(task_id);
        }

        var task = await tasks.FindAsync(ownerKey, task_id, cancellationToken);
        return task is null ? NotFound(task_id) : Result(AgentTaskView.From(task));
    }

    [McpServerTool(Name = "list_agent_tasks", Title = "List sub-agent tasks", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(AgentTaskList))]
    [Description("Lists the user's agent tasks, newest first, with their status and output, optionally only those with one status.")]
    public async Task<CallToolResult> ListAgentTasksAsync(
        ClaimsPrincipal user,
        [Description("Only tasks with this status: queued, working, auth_required, input_required, completed, failed or cancelled.")] string? status = null,
        [Description("How many tasks to return at most (1 to 100; default 20).")] int? limit = null,
        CancellationToken cancellationToken = default)
    {
        if (status is not null && !AgentTaskStatus.All.Contains(status))
        {
            return Error($"'status' must be one of {string.Join(", ", AgentTaskStatus.All)}.");
        }

        if (limit is < 1 or > MaxListLimit)
        {
            return Error($"'limit' must be from 1 to {MaxListLimit}.");
        }

        var found = await tasks.ListAsync(SubAgentTools.UserKey(user), status, limit ?? DefaultListLimit, cancellationToken);
        var list = new AgentTaskList([.. found.Select(AgentTaskView.From)]);
        var text = list.Tasks.Count == 0
            ? "No agent tasks."
            : string.Join("\n", list.Tasks.Select(t => $"- {t.TaskId}: {t.Status}, started {t.CreatedAt:u}"));
        return Result(text, list, AgentTaskJsonContext.Default.AgentTaskList);
    }

    private static CallToolResult Result(AgentTaskView task) =>
        Result(AgentTaskMarkdown.Render(task), task, AgentTaskJsonContext.Default.AgentTaskView);

    // A failed task is a successful answer of these tools: the task's status and error say what went wrong.
    private static CallToolResult Result<T>(string text, T value, JsonTypeInfo<T> typeInfo) => new()
    {
        Content = [new TextContentBlock { Text = text }],
        StructuredContent = JsonSerializer.SerializeToElement(value, typeInfo),
    };

    // An unknown id and another user's id read the same, so ids cannot be probed.
    private static CallToolResult NotFound(string id) =>
        Error($"No agent task with the id '{(id.Length > AgentTask.IdMaxLength ? id[..AgentTask.IdMaxLength] + "…" : id)}' was found.");

    private static CallToolResult Error(string message) => new()
    {
        Content = [new TextContentBlock { Text = message }],
        IsError = true,
    };
}
