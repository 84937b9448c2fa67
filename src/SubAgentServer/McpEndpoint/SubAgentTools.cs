using System.ComponentModel;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.SubAgentServer.Agents;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>The <c>run_agent</c> tool: a sub-agent that runs now, for the signed-in user.</summary>
[McpServerToolType]
internal sealed class SubAgentTools(
    AgentRunner runner, ApprovalElicitation elicitation, IOptions<CompletionsOptions> options, PublicOrigin origin, IHttpContextAccessor httpContextAccessor,
    TimeProvider timeProvider)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [McpServerTool(Name = "run_agent", Title = "Run a sub-agent", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = true,
        UseStructuredContent = true, OutputSchemaType = typeof(AgentRunResult))]
    [Description("""
        Runs a sub-agent now: an LLM that works on the prompt with the tools of the given remote MCP servers, using the
        user's own logins to them, and returns its answer in markdown with every tool call and result. Use it to hand a
        self-contained job (research, lookups across the user's apps, multi-step tool use) to another model. If a server
        needs the user to log in first, the result has status "auth_required" and the login links to show the user; after
        the login, call again with the same parameters. Tool calls that need the user's approval (require_approval) are
        put to the user through elicitation when the client supports it (MCP 2026-07-28 multi round-trip requests); else
        they wait up to wait_for_approval seconds for the user's decision on the approval links the progress reports, and
        then the run ends with status "approval_required" and the links.
        For long jobs, prefer start_agent_task.
        """)]
    public async Task<CallToolResult> RunAgentAsync(
        ClaimsPrincipal user,
        McpServer server,
        RequestContext<CallToolRequestParams> request,
        [Description("What the sub-agent should do, with all the context it needs: it does not see this conversation.")] string prompt,
        [Description("URLs of remote MCP servers (streamable HTTP) whose tools the sub-agent may use, e.g. https://mcp.notion.com/mcp.")] string[]? mcp_servers = null,
        [Description("When given, only these tool names of the servers are offered to the sub-agent.")] string[]? allowed_tools = null,
        [Description("The model id to use; the server's default when omitted.")] string? model = null,
        [Description("A system prompt for the sub-agent: role, style, constraints.")] string? instructions = null,
        [Description("The most tool rounds the sub-agent may take (1 to 100; default 10).")] int? max_rounds = null,
        [Description("A named set of the user's logins (e.g. \"work\"), for users with several accounts on one server.")] string? profile = null,
        [Description("Which tools need the user's approval before they run: \"never\" (default), \"always\", or {\"always\": {\"tool_names\": [...], \"read_only\": false}, \"never\": {...}} as OpenAI's MCP tool.")] JsonElement? require_approval = null,
        [Description("Seconds (0 to 600) to wait for the user's decision on the approval links before answering approval_required.")] int? wait_for_approval = null,
        CancellationToken cancellationToken = default)
    {
        if (wait_for_approval is < 0 or > 600)
        {
            return Error("'wait_for_approval' must be from 0 to 600 seconds.");
        }

        var parameters = AgentParameters.FromTool(prompt, mcp_servers, allowed_tools, model, instructions, max_rounds, profile) with
        {
            RequireApproval = require_approval is { } policy ? JsonNode.Parse(policy.GetRawText()) : null,
        };
        var http = httpContextAccessor.HttpContext?.Request ?? throw new InvalidOperationException("run_agent runs inside an HTTP request of /mcp.");
        var approvalPages = new Uri(origin.BaseUri(http), Approvals.ApprovalPages.Path);
        var userKey = UserKey(user);
        var accumulator = new AgentRunAccumulator();
        var step = 0;

        // A client that can be asked gets the held calls as elicitations; the run so far travels in the request state.
        var ask = ApprovalElicitation.CanAsk(server);
        ApprovalElicitation.ResumePoint? resumed = null;
        try
        {
            resumed = request.Params?.RequestState is { } state ? elicitation.Resume(state, request.Params.InputResponses, userKey) : null;
            var finished = resumed?.Messages.DeepClone().AsArray() ?? [];
            var messages = AgentRunner.InitialMessages(parameters);
            foreach (var message in finished.Concat(resumed?.Answers ?? []))
            {
                messages.Add(message?.DeepClone());
            }

            var run = runner.RunAsync(parameters, userKey, messages, resumed?.Rounds ?? 0, background: false, cancellationToken,
                context => context with
                {
                    ApprovalPages = approvalPages,
                    WaitForApproval = wait_for_approval > 0 && !ask ? TimeSpan.FromSeconds(wait_for_approval.Value) : null,
                });

            // Clients reset their request timeout on progress (the TypeScript SDK's default is 60 s): a long tool call
            // must not look like a hung server.
            var keepAlive = request.Params?.ProgressToken is null ? Timeout.InfiniteTimeSpan : options.Value.KeepAliveInterval;
            var rounds = resumed?.Rounds ?? 0;
            await foreach (var e in KeepAliveEvents.WithKeepAlivesAsync(run, keepAlive, timeProvider, cancellationToken))
            {
                accumulator.Add(e);
                if (e is RoundCompleted completed)
                {
                    rounds++;
                    foreach (var appended in completed.AppendedMessages)
                    {
                        finished.Add(appended.DeepClone());
                    }
                }

                var message = e switch
                {
                    KeepAlive silent => $"Still working ({silent.Silence.TotalSeconds:0} s since the last step)",
                    ToolCallStarted started => $"Calling {started.Call.ToolName} on {started.Call.ServerUrl.Authority}",
                    ToolCallCompleted done => $"{done.Call.ToolName} {(done.Status == ToolCallStatus.Succeeded ? "returned" : "failed")} after {done.Duration.TotalSeconds:0.#} s",
                    RoundCompleted round => $"Round {round.Round} done",
                    ApprovalPending pending => $"Waiting for the user's approval: {string.Join(", ", pending.Approvals.Select(a => $"{a.ToolName} {a.PageUrl}"))}",
                    _ => null,
                };
                if (message is not null && request.Params?.ProgressToken is { } progressToken)
                {
                    // Awaited, unlike IProgress.Report: a stateless response closes its stream when the tool returns,
                    // and a notification still queued then would be lost.
                    await server.NotifyProgressAsync(progressToken, new ProgressNotificationValue { Progress = ++step, Message = message }, cancellationToken: cancellationToken);
                }

                if (e is LoginRequired login && server.ClientCapabilities?.Elicitation?.Url is not null)
                {
                    // The client can show the login itself and retry the call afterwards.
                    throw new UrlElicitationRequiredException(
                        "Sign in to the MCP servers the sub-agent needs, then the call is retried.",
                        login.Links.Select(l => new ElicitRequestParams
                        {
                            Mode = "url",
                            Url = l.Url.AbsoluteUri,
                            ElicitationId = Guid.NewGuid().ToString("N"),
                            Message = $"Sign in to {l.ServerUrl.Authority} so the sub-agent can use its tools.",
                        }));
                }
            }

            var result = accumulator.ToResult();
            if (result.Status == RunStatus.ApprovalRequired && ask
                && elicitation.TryAsk(userKey, result.Approvals, new ApprovalElicitation.ResumePoint(finished, rounds, (resumed?.Output ?? "") + result.Output)) is { } question)
            {
                throw question;
            }

            return Result(result with { Output = (resumed?.Output ?? "") + result.Output });
        }
        catch (Exception ex) when (ex is AgentInputException or InvalidRequestException or RunRefusedException)
        {
            return Error(ex.Message);
        }
        catch (Exception ex) when (ex is UpstreamException or RunTimedOutException)
        {
            var failure = accumulator.ToFailure(ex.Message);
            return Result(failure with { Output = (resumed?.Output ?? "") + failure.Output });
        }
    }

    /// <summary>The user key of the caller: the token's subject (stable account id).</summary>
    public static string UserKey(ClaimsPrincipal user) =>
        user.FindFirst("sub")?.Value ?? throw new InvalidOperationException("The access token has no subject.");

    internal static CallToolResult Result(AgentRunResult result)
    {
        var text = result.Status switch
        {
            RunStatus.AuthRequired => result.Output + "\n\nOpen the links above to sign in, then ask again.",
            RunStatus.ApprovalRequired => result.Output +
                "\n\nThe calls above wait for the user's approval and were not made. Approve or deny them with the links; to have the " +
                "sub-agent wait for the decision, call again with wait_for_approval.",
            RunStatus.Failed => $"{result.Output}\n\n**The sub-agent failed**: {result.Error}".TrimStart(),
            _ => result.Output,
        };
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = JsonSerializer.SerializeToElement(result, Json),
            IsError = result.Status == RunStatus.Failed,
        };
    }

    internal static CallToolResult Error(string message) => new()
    {
        Content = [new TextContentBlock { Text = message }],
        IsError = true,
    };
}
