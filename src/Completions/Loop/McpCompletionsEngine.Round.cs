using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Search;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Loop;

/// <summary>A round's tool calls: run all at once, or held for a person's approval.</summary>
public sealed partial class McpCompletionsEngine
{
    /// <summary>
    /// Runs the round's MCP and search calls at once; each call's block is shown as it starts and its result as it
    /// finishes. The results go to <paramref name="toolMessages"/> in the order of <paramref name="calls"/>.
    /// </summary>
    private async IAsyncEnumerable<CompletionEvent> RunCallsAsync(
        IReadOnlyList<ToolCallBuilder> calls,
        List<ToolCallBuilder> mcpCalls,
        List<ToolCallBuilder> searchCalls,
        McpSearchSession? search,
        Dictionary<string, ResolvedMcpTool> toolsByName,
        int round,
        bool markdown,
        List<JsonObject> toolMessages,
        List<ToolCallReport> toolReports,
        ActivityContext parent,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pending = new List<Task<ToolExecution>>();
        var startedCalls = new List<ToolCallInfo>();
        foreach (var toolCall in mcpCalls)
        {
            var tool = toolsByName[toolCall.Name.ToString()];
            var info = new ToolCallInfo(toolCall.Id, tool.FunctionName, tool.Tool.Name, tool.Server.ServerUrl, toolCall.Arguments.ToString(), round);
            pending.Add(_executor.ExecuteAsync(tool, info, parent, cancellationToken));
            startedCalls.Add(info);
        }

        foreach (var toolCall in searchCalls)
        {
            var info = search!.Describe(toolCall, round);
            pending.Add(search.ExecuteAsync(info, cancellationToken));
            startedCalls.Add(info);
        }

        // Each call's block goes out as it starts, so a person sees what runs while it runs.
        foreach (var info in startedCalls)
        {
            if (markdown)
            {
                yield return new ContentDelta(MarkdownRenderer.ToolCall(info.ToolName, info.ServerUrl, info.Arguments), FromModel: false);
            }

            yield return new ToolCallStarted(info);
        }

        // Results are shown as each call finishes; the model gets them in call order.
        var results = new Dictionary<string, ToolExecution>();
        while (pending.Count > 0)
        {
            var finished = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(finished);
            var execution = await finished.ConfigureAwait(false);
            results[execution.Call.Id] = execution;
            toolReports.Add(new ToolCallReport(execution.Call.ToolName, execution.Call.ServerUrl, round, execution.Status, execution.Duration));
            if (markdown)
            {
                yield return new ContentDelta(execution.Markdown, FromModel: false);
            }

            yield return new ToolCallCompleted(execution.Call, execution.Status, execution.ResultForModel, execution.Duration);
        }

        foreach (var toolCall in calls.Where(c => results.ContainsKey(c.Id)))
        {
            toolMessages.Add(ToolMessage(toolCall.Id, results[toolCall.Id].ResultForModel));
        }
    }

    /// <summary>
    /// Holds a round whose calls need approval: stores an approval per held call and shows them. When the host has
    /// approval pages and <paramref name="mayWait"/> (no caller function waits for its result), waits for the person's
    /// decisions and runs the decided round; <paramref name="result"/> says which happened.
    /// </summary>
    private async IAsyncEnumerable<CompletionEvent> HoldRoundAsync(
        CompletionRunRequest request,
        CompletionRunContext context,
        JsonObject assistant,
        List<ToolCallBuilder> held,
        bool mayWait,
        int round,
        int assistantIndex,
        Dictionary<string, ResolvedMcpTool> toolsByName,
        bool markdown,
        List<ToolCallReport> toolReports,
        HeldRound result,
        ActivityContext parent,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var approvals = await HoldAsync(context, assistant, held, toolsByName, cancellationToken).ConfigureAwait(false);
        result.Approvals = approvals;
        foreach (var approval in approvals)
        {
            // Shown in text mode too: the person must see what they are asked to approve.
            yield return new ContentDelta(MarkdownRenderer.ApprovalRequired(approval.ToolName, approval.ServerUrl, approval.Arguments, approval.PageUrl), FromModel: false);
        }

        yield return new ApprovalRequired(approvals);
        var waitForApproval = context.WaitForApproval ?? request.WaitForApproval;
        var pageWait = waitForApproval > TimeSpan.Zero && context.ApprovalPages is not null ? waitForApproval.Value : TimeSpan.Zero;
        if (!mayWait || pageWait <= TimeSpan.Zero)
        {
            yield break;
        }

        yield return new ContentDelta(MarkdownRenderer.WaitingForApproval(pageWait), FromModel: false);
        yield return new ApprovalPending(approvals, pageWait);
        if (await WaitForDecisionsAsync(approvals, pageWait, cancellationToken).ConfigureAwait(false) is not { } decisions)
        {
            yield break;
        }

        var decided = new ApprovedRound(round, assistantIndex, assistant, Plan(assistant, decisions, toolsByName, [], "messages"));
        List<JsonObject> approvedMessages = [assistant];
        yield return new ToolRoundStarting(round, (JsonObject)assistant.DeepClone());
        await foreach (var e in RunApprovedRoundAsync(decided, toolsByName, markdown, approvedMessages, toolReports, parent, cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }

        result.RanMessages = approvedMessages;
    }

    /// <summary>Some providers send empty or repeated tool call ids; results are matched by id, so each call needs its own.</summary>
    private static void EnsureUniqueCallIds(IReadOnlyList<ToolCallBuilder> calls, int round)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < calls.Count; i++)
        {
            if (string.IsNullOrEmpty(calls[i].Id) || !seen.Add(calls[i].Id))
            {
                calls[i].Id = $"call_r{round}_{i}_{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
                seen.Add(calls[i].Id);
            }
        }
    }

    /// <summary>What became of a held round: its approvals, and its messages when the decisions came in time and it ran.</summary>
    private sealed class HeldRound
    {
        public IReadOnlyList<McpToolApproval> Approvals { get; set; } = [];

        public List<JsonObject>? RanMessages { get; set; }
    }
}
