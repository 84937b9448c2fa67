using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Loop;

/// <summary>Resuming a round that was under way when its run stopped: each call at most once unless it is safe to repeat.</summary>
public sealed partial class McpCompletionsEngine
{
    /// <summary>
    /// Before the first round: runs the held round the conversation answers (<paramref name="approved"/>), or finishes
    /// a round that was under way when an earlier attempt of the run stopped; their messages join <paramref name="messages"/>.
    /// </summary>
    private async IAsyncEnumerable<CompletionEvent> ContinueEarlierRoundAsync(
        ApprovedRound? approved,
        CompletionRunContext context,
        JsonArray messages,
        Dictionary<string, ResolvedMcpTool> toolsByName,
        bool markdown,
        List<ToolCallReport> toolReports,
        ActivityContext parent,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (approved is not null)
        {
            while (messages.Count > approved.AssistantIndex)
            {
                messages.RemoveAt(messages.Count - 1);
            }

            List<JsonObject> appended = [approved.Assistant];

            // As for any round whose calls run: a host that persists rounds records the calls before they are made.
            yield return new ToolRoundStarting(approved.Round, (JsonObject)approved.Assistant.DeepClone());
            await foreach (var e in RunApprovedRoundAsync(approved, toolsByName, markdown, appended, toolReports, parent, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            foreach (var message in appended)
            {
                messages.Add(message);
            }

            yield return new RoundCompleted(approved.Round, TokenUsage.Zero, appended);
        }
        else if (context.ResumesInterruptedRound && InterruptedRound.Find(messages) is { } interrupted)
        {
            var resumed = new List<JsonObject>();
            await foreach (var e in ResumeAsync(interrupted, toolsByName, markdown, resumed, toolReports, parent, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            foreach (var message in resumed)
            {
                messages.Add(message);
            }

            yield return new RoundCompleted(interrupted.Round, TokenUsage.Zero, resumed);
        }
    }

    /// <summary>
    /// Finishes a round that was under way when the run stopped: calls the tool says are safe to repeat are made again,
    /// the others get a result saying they were interrupted. Their tool messages are added to <paramref name="appended"/>.
    /// </summary>
    private async IAsyncEnumerable<CompletionEvent> ResumeAsync(
        InterruptedRound interrupted,
        Dictionary<string, ResolvedMcpTool> toolsByName,
        bool markdown,
        List<JsonObject> appended,
        List<ToolCallReport> toolReports,
        ActivityContext parent,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var toolCall in interrupted.Calls)
        {
            var tool = toolsByName.GetValueOrDefault(toolCall.FunctionName);
            var serverUrl = tool?.Server.ServerUrl ?? new Uri("urn:unknown");
            var info = new ToolCallInfo(toolCall.Id, toolCall.FunctionName, tool?.Tool.Name ?? toolCall.FunctionName, serverUrl, toolCall.Arguments, interrupted.Round);
            if (tool is not null && IsSafeToRepeat(tool))
            {
                await foreach (var e in RunOneAsync(tool, info, markdown, appended, toolReports, parent, cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                }

                continue;
            }

            const string forModel = "Error: this call was interrupted (the server running it stopped) and was not made again, " +
                "because the tool does not say it is safe to repeat. It may or may not have taken effect: check before calling it again.";
            yield return new ContentDelta(MarkdownRenderer.Interrupted(info.ToolName, tool is null ? null : info.ServerUrl), FromModel: false);
            yield return new ToolCallCompleted(info, ToolCallStatus.Interrupted, forModel, TimeSpan.Zero);
            toolReports.Add(new ToolCallReport(info.ToolName, info.ServerUrl, info.Round, ToolCallStatus.Interrupted, TimeSpan.Zero));
            appended.Add(ToolMessage(info.Id, forModel));
        }
    }

    /// <summary>Runs one call on its own, showing it as it starts and ends; its tool message goes to <paramref name="appended"/>.</summary>
    private async IAsyncEnumerable<CompletionEvent> RunOneAsync(
        ResolvedMcpTool tool,
        ToolCallInfo info,
        bool markdown,
        List<JsonObject> appended,
        List<ToolCallReport> toolReports,
        ActivityContext parent,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (markdown)
        {
            yield return new ContentDelta(MarkdownRenderer.ToolCall(info.ToolName, info.ServerUrl, info.Arguments), FromModel: false);
        }

        yield return new ToolCallStarted(info);
        var execution = await _executor.ExecuteAsync(tool, info, parent, cancellationToken).ConfigureAwait(false);
        toolReports.Add(new ToolCallReport(info.ToolName, info.ServerUrl, info.Round, execution.Status, execution.Duration));
        if (markdown)
        {
            yield return new ContentDelta(execution.Markdown, FromModel: false);
        }

        yield return new ToolCallCompleted(info, execution.Status, execution.ResultForModel, execution.Duration);
        appended.Add(ToolMessage(info.Id, execution.ResultForModel));
    }

    /// <summary>A tool that only reads, or that says the same call twice has no further effect, may be called again.</summary>
    private static bool IsSafeToRepeat(ResolvedMcpTool tool) =>
        tool.Tool.Annotations is { } a && (a.ReadOnlyHint == true || a.IdempotentHint == true);
}
