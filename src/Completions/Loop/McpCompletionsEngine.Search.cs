using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Search;

namespace McpSubAgent.Completions.Loop;

public sealed partial class McpCompletionsEngine
{
    /// <summary>The run's MCP search, when the request opted in; its tool names must not clash with the caller's.</summary>
    private McpSearchSession? StartSearch(CompletionRunRequest request, string userKey, string? profile, Dictionary<string, ResolvedMcpTool> toolsByName)
    {
        if (!request.McpSearch)
        {
            return null;
        }

        var callerNames = request.CallerTools.OfType<JsonObject>()
            .Select(t => t["function"]?["name"] is JsonValue name && name.TryGetValue(out string? text) ? text : null)
            .OfType<string>()
            .ToList();
        if (callerNames.FirstOrDefault(McpSearchTools.IsSearchTool) is { } clash)
        {
            throw new InvalidRequestException($"The function name '{clash}' is reserved for the mcp_search tool.", "tools");
        }

        return new McpSearchSession(_registry, _resolver, userKey, profile,
            [.. callerNames, .. toolsByName.Keys, McpSearchTools.Search, McpSearchTools.Add], request.McpSearchRequireApproval, _options.Value, _timeProvider);
    }

    /// <summary>
    /// The servers the conversation so far added with the search tools, added again (a resumed task, an approved round):
    /// their tools join <paramref name="toolsByName"/> before the run starts, with the names they had. A held call being
    /// answered whose server the conversation does not show being added (an app sends the held round alone) gets its
    /// server back from its approval, under the function name the round used.
    /// </summary>
    private async Task<ResolvedMcpServers> RestoreSearchAsync(
        McpSearchSession? search, JsonArray messages, string userKey, Dictionary<string, ResolvedMcpTool> toolsByName, CancellationToken cancellationToken)
    {
        if (search is null)
        {
            return new ResolvedMcpServers([], [], []);
        }

        await search.RestoreAsync(messages, cancellationToken).ConfigureAwait(false);
        var held = await HeldCallsOfUnknownToolsAsync(messages, userKey, toolsByName, cancellationToken).ConfigureAwait(false);
        foreach (var serverUrl in held.Select(h => h.Approval.ServerUrl).Distinct())
        {
            await search.ReattachAsync(serverUrl, cancellationToken).ConfigureAwait(false);
        }

        var (tools, logins) = search.TakeAdded();
        foreach (var tool in tools)
        {
            toolsByName[tool.FunctionName] = tool;
        }

        foreach (var (functionName, approval) in held)
        {
            if (tools.FirstOrDefault(t => t.Server.ServerUrl == approval.ServerUrl && t.Tool.Name == approval.ToolName) is { } tool)
            {
                toolsByName.TryAdd(functionName, tool);
            }
        }

        return new ResolvedMcpServers(tools, logins, []);
    }

    /// <summary>
    /// The approvals of this user that the conversation's last message answers, with the function name their round gave
    /// the call, where no offered tool has that name. Only a lookup: <see cref="TakeApprovedRoundAsync"/> checks them.
    /// </summary>
    private async Task<List<(string FunctionName, McpToolApproval Approval)>> HeldCallsOfUnknownToolsAsync(
        JsonArray messages, string userKey, Dictionary<string, ResolvedMcpTool> toolsByName, CancellationToken cancellationToken)
    {
        var index = messages.Count - 1;
        while (index >= 0 && messages[index] is JsonObject m && (string?)m["role"] == "tool")
        {
            index--;
        }

        var held = new List<(string, McpToolApproval)>();
        if (index < 0 || messages[index] is not JsonObject { } answered || answered["tool_calls"] is not JsonArray calls)
        {
            return held;
        }

        foreach (var id in calls.Select(c => (string?)c?["id"]).OfType<string>().Where(id => id.StartsWith(ApprovalIdPrefix, StringComparison.Ordinal)))
        {
            if (await _approvals.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } approval || approval.UserKey != userKey)
            {
                continue;
            }

            var call = (JsonNode.Parse(approval.RoundMessage)?["tool_calls"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .FirstOrDefault(c => (string?)c["id"] == approval.CallId);
            if ((string?)call?["function"]?["name"] is { } functionName && !toolsByName.ContainsKey(functionName))
            {
                held.Add((functionName, approval));
            }
        }

        return held;
    }

    /// <summary>The logins of servers the model added that the person has still to complete: part of the run's result.</summary>
    private static IReadOnlyList<McpLoginLink> AddedServerLogins(McpSearchSession? search) => search?.LoginLinks ?? [];

    /// <summary>The calls of a round that go to the search tools (an MCP tool of the same name would win, but names differ).</summary>
    private static List<ToolCallBuilder> SearchCalls(McpSearchSession? search, IReadOnlyList<ToolCallBuilder> calls, Dictionary<string, ResolvedMcpTool> toolsByName) =>
        search is null
            ? []
            : [.. calls.Where(c => McpSearchTools.IsSearchTool(c.Name.ToString()) && !toolsByName.ContainsKey(c.Name.ToString()))];

    /// <summary>
    /// A round held for approval keeps only the calls an approved round can make (MCP tools and the caller's): a search
    /// the model asked for in the same round is dropped from it, and the model can ask again once the round is decided.
    /// </summary>
    private static void DropSearchCalls(JsonObject assistant, List<ToolCallBuilder> searchCalls)
    {
        if (searchCalls.Count == 0 || assistant["tool_calls"] is not JsonArray calls)
        {
            return;
        }

        var ids = searchCalls.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var call in calls.OfType<JsonObject>().Where(c => ids.Contains((string?)c["id"] ?? "")).ToList())
        {
            calls.Remove(call);
        }
    }

    /// <summary>
    /// After a round: offers the tools of the servers the model added from the next round on, and shows the person the
    /// login links of added servers that need one (in text mode too: the person must act on them).
    /// </summary>
    private static IEnumerable<CompletionEvent> OfferAddedServers(McpSearchSession? search, Dictionary<string, ResolvedMcpTool> toolsByName, JsonArray offeredTools)
    {
        if (search is null)
        {
            yield break;
        }

        var (tools, logins) = search.TakeAdded();
        foreach (var tool in tools)
        {
            toolsByName[tool.FunctionName] = tool;
            offeredTools.Add(tool.ToFunctionTool());
        }

        if (logins.Count > 0)
        {
            yield return new ContentDelta(MarkdownRenderer.LoginRequired(logins), FromModel: false);
        }
    }
}
