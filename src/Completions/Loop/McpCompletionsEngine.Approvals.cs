using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Loop;

/// <summary>
/// Approvals: a round with calls that need one is held and its calls stored as <see cref="McpToolApproval"/>s; the
/// caller's next request answers them (a <c>tool</c> message per approval id) and the engine runs exactly the approved
/// calls of that round, reports the denied ones to the model, and goes on.
/// </summary>
public sealed partial class McpCompletionsEngine
{
    /// <summary>The prefix of approval ids, which stand in for held calls' ids in the answer.</summary>
    public const string ApprovalIdPrefix = "mcpapr_";

    private const string DeniedForModel = "Error: this call was denied by the user and was not made.";

    private static bool NeedsApproval(ResolvedMcpTool tool) => tool.Server.RequireApproval.Requires(tool.Tool);

    /// <summary>Stores an approval for each call of <paramref name="held"/>, bound to the round <paramref name="assistant"/> holds.</summary>
    private async Task<IReadOnlyList<McpToolApproval>> HoldAsync(
        CompletionRunContext context, JsonObject assistant, IEnumerable<ToolCallBuilder> held, Dictionary<string, ResolvedMcpTool> toolsByName, CancellationToken cancellationToken)
    {
        var round = assistant.ToJsonString();
        var expiresAt = _timeProvider.GetUtcNow() + (context.ApprovalLifetime ?? _options.Value.ApprovalLifetime);
        var approvals = held.Select(call =>
        {
            var tool = toolsByName[call.Name.ToString()];
            var arguments = call.Arguments.ToString();
            var id = ApprovalIdPrefix + RandomNumberGenerator.GetHexString(32, lowercase: true);
            return new McpToolApproval(id, context.UserKey, tool.Server.ServerUrl, tool.Tool.Name, arguments,
                McpArgumentsDigest.Compute(arguments), call.Id, round, expiresAt)
            {
                PageUrl = context.ApprovalPages is { } pages ? new Uri(pages, id) : null,
            };
        }).ToList();
        await _approvals.AddAsync(approvals, cancellationToken).ConfigureAwait(false);
        return approvals;
    }

    /// <summary>The held calls as OpenAI tool calls under their approval ids, after the caller's own calls.</summary>
    private static JsonArray PendingToolCalls(List<ToolCallBuilder> clientCalls, IReadOnlyList<McpToolApproval> approvals) =>
    [
        .. clientCalls.Select((c, i) => c.ToJson(i)),
        .. approvals.Select((a, i) => new JsonObject
        {
            ["index"] = clientCalls.Count + i,
            ["id"] = a.Id,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = a.ToolName, ["arguments"] = a.Arguments },
        }),
    ];

    /// <summary>
    /// The messages that answer held calls, as an app sends them after the conversation: the held calls under their
    /// approval ids (with the tool's name and the exact arguments), then an <c>approve</c> or <c>deny</c> for each. For
    /// hosts that collect the decisions themselves (agent tasks, elicitation); the engine checks every approval again.
    /// </summary>
    public static IReadOnlyList<JsonObject> ApprovalAnswers(IEnumerable<(string ApprovalId, string ToolName, string Arguments, bool Approve)> decisions)
    {
        var decided = decisions.ToList();
        var calls = new JsonArray([.. decided.Select(d => (JsonNode)new JsonObject
        {
            ["id"] = d.ApprovalId,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = d.ToolName, ["arguments"] = d.Arguments },
        })]);
        return [new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = calls },
            .. decided.Select(d => ToolMessage(d.ApprovalId, d.Approve ? "approve" : "deny"))];
    }

    /// <summary>
    /// When the conversation ends with answers to held calls (an assistant message with <c>mcpapr_…</c> tool call ids and
    /// a <c>tool</c> message for each), checks every approval (the user's own, unexpired, unused, for exactly this call)
    /// and marks it used; null when the conversation does not end so. A failed check is an <see cref="InvalidRequestException"/>.
    /// </summary>
    private async Task<ApprovedRound?> TakeApprovedRoundAsync(JsonArray messages, string userKey, Dictionary<string, ResolvedMcpTool> toolsByName, CancellationToken cancellationToken)
    {
        var answers = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var index = messages.Count - 1;
        for (; index >= 0 && messages[index] is JsonObject m && (string?)m["role"] == "tool"; index--)
        {
            answers.TryAdd((string?)m["tool_call_id"] ?? "", m);
        }

        if (index < 0 || messages[index] is not JsonObject { } answered || (string?)answered["role"] != "assistant"
            || answered["tool_calls"] is not JsonArray calls
            || !calls.Any(c => ((string?)c?["id"])?.StartsWith(ApprovalIdPrefix, StringComparison.Ordinal) == true))
        {
            return null;
        }

        var at = $"messages[{index}].tool_calls";
        var now = _timeProvider.GetUtcNow();
        var decisions = new Dictionary<string, (bool Approved, string? Reason)>(StringComparer.Ordinal);
        var approvals = new List<McpToolApproval>();
        string? round = null;
        for (var j = 0; j < calls.Count; j++)
        {
            var id = (string?)calls[j]?["id"] ?? "";
            if (!id.StartsWith(ApprovalIdPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var approval = await _approvals.FindAsync(id, cancellationToken).ConfigureAwait(false);
            var problem = approval switch
            {
                null => "is unknown or has expired",
                _ when approval.UserKey != userKey => "belongs to another user",
                _ when approval.ExpiresAt <= now => "has expired",
                _ when approval.Used => "was already used",
                _ when (string?)calls[j]?["function"]?["name"] != approval.ToolName
                    || McpArgumentsDigest.Compute((string?)calls[j]?["function"]?["arguments"] ?? "") != approval.ArgumentsDigest
                    => "does not match the call it was given for (tool and arguments must be unchanged)",
                _ when round is not null && approval.RoundMessage != round => "belongs to another round of tool calls",
                _ when !answers.ContainsKey(id) => "has no answer: add a 'tool' message with this tool_call_id whose content is \"approve\" or \"deny\"",
                _ => null,
            };
            if (problem is not null)
            {
                throw ApprovalRefused($"The approval {id} {problem}.", $"{at}[{j}].id");
            }

            round = approval!.RoundMessage;
            var (approve, reason) = ReadAnswer(answers[id], $"{at}[{j}]");
            decisions[approval.CallId] = (approve && approval.Approved != false, reason);
            approvals.Add(approval);
        }

        // Only now, with every answer checked, are they used up: one failed check leaves all of them for a corrected request.
        foreach (var approval in approvals)
        {
            if (!await _approvals.TryUseAsync(approval.Id, cancellationToken).ConfigureAwait(false))
            {
                throw ApprovalRefused($"The approval {approval.Id} was already used.", at);
            }
        }

        var assistant = JsonNode.Parse(round!)!.AsObject();
        var number = messages.Take(index + 1).OfType<JsonObject>().Count(m => (string?)m["role"] == "assistant" && m["tool_calls"] is JsonArray);
        return new ApprovedRound(number, index, assistant, Plan(assistant, decisions, toolsByName, answers, at));
    }

    /// <summary>
    /// What becomes of each call of a held round: decided calls as decided, other MCP calls run unless they need an
    /// approval they were not given, the caller's own calls take the caller's results from <paramref name="answers"/>.
    /// </summary>
    private static List<ApprovedRound.Call> Plan(
        JsonObject assistant, Dictionary<string, (bool Approved, string? Reason)> decisions, Dictionary<string, ResolvedMcpTool> toolsByName,
        Dictionary<string, JsonObject> answers, string at)
    {
        var planned = new List<ApprovedRound.Call>();
        foreach (var call in assistant["tool_calls"]!.AsArray().OfType<JsonObject>())
        {
            var id = (string?)call["id"] ?? "";
            var name = (string?)call["function"]?["name"] ?? "";
            var arguments = (string?)call["function"]?["arguments"] ?? "";
            if (decisions.TryGetValue(id, out var decision))
            {
                planned.Add(new ApprovedRound.Call(id, name, arguments, !decision.Approved, decision.Reason, null));
            }
            else if (toolsByName.TryGetValue(name, out var tool))
            {
                // A call of the round that needs approval but was given none is not made.
                planned.Add(new ApprovedRound.Call(id, name, arguments, NeedsApproval(tool), null, null));
            }
            else
            {
                var result = answers.GetValueOrDefault(id)
                    ?? throw ApprovalRefused($"The tool call {id} (your function {name}) has no answer: add a 'tool' message with its result.", at);
                planned.Add(new ApprovedRound.Call(id, name, arguments, false, null, (JsonObject)result.DeepClone()));
            }
        }

        return planned;
    }

    /// <summary>
    /// Waits until the owner decided every approval on its page, then marks them used; the decisions by call id, or
    /// null when time ran out first (or an approval was used meanwhile by an answer of the caller).
    /// </summary>
    private async Task<Dictionary<string, (bool Approved, string? Reason)>?> WaitForDecisionsAsync(
        IReadOnlyList<McpToolApproval> approvals, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _timeProvider.GetUtcNow() + timeout;
        while (true)
        {
            var current = new List<McpToolApproval?>();
            foreach (var approval in approvals)
            {
                current.Add(await _approvals.FindAsync(approval.Id, cancellationToken).ConfigureAwait(false));
            }

            if (current.All(a => a is { Approved: not null }))
            {
                foreach (var approval in approvals)
                {
                    if (!await _approvals.TryUseAsync(approval.Id, cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }
                }

                return current.ToDictionary(a => a!.CallId, a => (a!.Approved!.Value, (string?)null), StringComparer.Ordinal);
            }

            var left = deadline - _timeProvider.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            // The decision may be made on another replica: the store is the one place that knows.
            await Task.Delay(left < ApprovalPollInterval ? left : ApprovalPollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan ApprovalPollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>An answer is <c>approve</c> or <c>deny</c>, or <c>{"approve": bool, "reason": "..."}</c>.</summary>
    private static (bool Approve, string? Reason) ReadAnswer(JsonObject message, string param)
    {
        var text = message["content"] switch
        {
            JsonValue v when v.TryGetValue(out string? s) => s.Trim(),
            JsonArray parts => string.Concat(parts.OfType<JsonObject>().Select(p => (string?)p["text"])).Trim(),
            _ => "",
        };
        switch (text.ToLowerInvariant())
        {
            case "approve" or "approved" or "yes":
                return (true, null);
            case "deny" or "denied" or "no":
                return (false, null);
        }

        try
        {
            if (JsonNode.Parse(text) is JsonObject o && o["approve"]?.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                var reason = o["reason"] is JsonValue r && r.TryGetValue(out string? s) ? s[..Math.Min(s.Length, 500)] : null;
                return (o["approve"]!.GetValue<bool>(), reason);
            }
        }
        catch (JsonException)
        {
            // Not JSON either: refused below.
        }

        throw ApprovalRefused("An answer to a held tool call must be \"approve\", \"deny\" or {\"approve\": true|false, \"reason\": \"...\"}.", param);
    }

    private static InvalidRequestException ApprovalRefused(string message, string param) =>
        new(message, param) { Code = "invalid_approval" };

    /// <summary>Runs the calls of an approved round; denied ones are reported; their tool messages go to <paramref name="appended"/>.</summary>
    private async IAsyncEnumerable<CompletionEvent> RunApprovedRoundAsync(
        ApprovedRound approved,
        Dictionary<string, ResolvedMcpTool> toolsByName,
        bool markdown,
        List<JsonObject> appended,
        List<ToolCallReport> toolReports,
        ActivityContext parent,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var call in approved.Calls)
        {
            if (call.ClientResult is { } result)
            {
                appended.Add(result);
                continue;
            }

            var tool = toolsByName.GetValueOrDefault(call.FunctionName);
            var serverUrl = tool?.Server.ServerUrl ?? new Uri("urn:unknown");
            var info = new ToolCallInfo(call.Id, call.FunctionName, tool?.Tool.Name ?? call.FunctionName, serverUrl, call.Arguments, approved.Round);
            if (tool is null || call.Denied)
            {
                var status = tool is null ? ToolCallStatus.Failed : ToolCallStatus.Denied;
                var forModel = tool is null
                    ? $"Error: the tool {call.FunctionName} is no longer offered; the call was not made."
                    : DeniedForModel + (string.IsNullOrWhiteSpace(call.Reason) ? "" : $" The user's reason: {call.Reason}");
                yield return new ContentDelta(tool is null
                    ? MarkdownRenderer.Error($"{call.FunctionName} is no longer offered; the call was not made.")
                    : MarkdownRenderer.Denied(info.ToolName, serverUrl, call.Reason), FromModel: false);
                yield return new ToolCallCompleted(info, status, forModel, TimeSpan.Zero);
                toolReports.Add(new ToolCallReport(info.ToolName, serverUrl, info.Round, status, TimeSpan.Zero));
                appended.Add(ToolMessage(info.Id, forModel));
                continue;
            }

            await foreach (var e in RunOneAsync(tool, info, markdown, appended, toolReports, parent, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }
        }
    }
}
