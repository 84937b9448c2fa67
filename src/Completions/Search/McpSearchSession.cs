using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Requests;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Search;

/// <summary>
/// One run's use of the <c>mcp_search</c> tools: what the registry returned (only those servers may be added), and
/// the servers added, whose tools the engine offers from the next round. Bounded: a few searches and added servers
/// per run. Calls of one round are taken one at a time, so tool names are allocated without races.
/// </summary>
internal sealed class McpSearchSession(
    McpRegistryClient registry,
    McpToolResolver resolver,
    string userKey,
    string? profile,
    IEnumerable<string> takenNames,
    McpApprovalPolicy requireApproval,
    CompletionsOptions options,
    TimeProvider timeProvider) : IDisposable
{
    public const int MaxSearches = 10;
    public const int MaxAddedServers = 5;
    private const int MaxQueryLength = 200;
    private const int DefaultLimit = 5;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, McpRegistryServer> _found = new(StringComparer.Ordinal);
    private readonly HashSet<string> _added = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taken = new(takenNames, StringComparer.Ordinal);
    private readonly List<ResolvedMcpTool> _newTools = [];
    private readonly List<McpLoginLink> _newLogins = [];
    private readonly List<McpLoginLink> _allLogins = [];
    private int _searches;

    /// <summary>Every login link shown for an added server in this run, for the run's structured result.</summary>
    public IReadOnlyList<McpLoginLink> LoginLinks => _allLogins;

    /// <summary>The call as the person sees it: search calls name the registry, add calls the server.</summary>
    public ToolCallInfo Describe(ToolCallBuilder call, int round)
    {
        ArgumentNullException.ThrowIfNull(call);
        var name = call.Name.ToString();
        var arguments = call.Arguments.ToString();
        var server = registry.RegistryUrl;
        if (name == McpSearchTools.Add && Parse(arguments)?["url"] is JsonValue url && url.TryGetValue(out string? text)
            && Uri.TryCreate(text, UriKind.Absolute, out var parsed))
        {
            server = parsed;
        }

        return new ToolCallInfo(call.Id, name, name, server, arguments, round);
    }

    /// <summary>Runs one call: a search, or adding a found server (whose tools get function names not yet in use).</summary>
    public async Task<ToolExecution> ExecuteAsync(ToolCallInfo call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = timeProvider.GetTimestamp();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var arguments = Parse(call.Arguments);
            var (status, text) = call.FunctionName == McpSearchTools.Search
                ? await SearchAsync(arguments, cancellationToken).ConfigureAwait(false)
                : await AddAsync(arguments, cancellationToken).ConfigureAwait(false);
            var markdown = status == ToolCallStatus.Succeeded
                ? MarkdownRenderer.ToolResult(new CallToolResult { Content = [new TextContentBlock { Text = text }] }, options.MaxResultCharactersShown, 0)
                : MarkdownRenderer.Error($"{call.ToolName}: {text}");
            return new ToolExecution(call, status, status == ToolCallStatus.Succeeded ? text : $"Error: {text}", markdown, timeProvider.GetElapsedTime(started));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The tools of servers added since the last call, and the logins they need.</summary>
    public (IReadOnlyList<ResolvedMcpTool> Tools, IReadOnlyList<McpLoginLink> LoginLinks) TakeAdded()
    {
        _gate.Wait();
        try
        {
            var taken = (_newTools.ToList(), _newLogins.ToList());
            _newTools.Clear();
            _newLogins.Clear();
            return taken;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Takes up what the search tools did in the conversation so far (a task resumed after a restart or an approval, a
    /// conversation sent again): the servers its searches found may be added, and the servers it added are added again,
    /// in the same order, so that their tools keep their names. Only calls the engine answered count: an assistant
    /// call of a search tool followed by its <c>tool</c> result in the engine's own JSON shape.
    /// </summary>
    public async Task RestoreAsync(JsonArray messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var results = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var message in messages.OfType<JsonObject>().Where(m => (string?)m["role"] == "tool"))
        {
            if ((string?)message["tool_call_id"] is { } id && message["content"] is JsonValue content
                && content.TryGetValue(out string? text) && Parse(text) is { } result)
            {
                results.TryAdd(id, result);
            }
        }

        var calls = messages.OfType<JsonObject>()
            .Where(m => (string?)m["role"] == "assistant")
            .SelectMany(m => m["tool_calls"] as JsonArray ?? [])
            .OfType<JsonObject>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var call in calls)
            {
                if ((string?)call["id"] is not { } id || !results.TryGetValue(id, out var result))
                {
                    continue;
                }

                switch ((string?)call["function"]?["name"])
                {
                    case McpSearchTools.Search when result["servers"] is JsonArray servers:
                        _searches++;
                        foreach (var server in servers.OfType<JsonObject>())
                        {
                            if ((string?)server["url"] is { } url && Uri.TryCreate(url, UriKind.Absolute, out var parsed) && (string?)server["name"] is { } name)
                            {
                                _found[parsed.AbsoluteUri] = new McpRegistryServer(name, (string?)server["description"], (string?)server["version"], parsed);
                            }
                        }

                        break;
                    case McpSearchTools.Add when result["added"] is not null && (string?)result["url"] is { } added:
                        await AddAsync(new JsonObject { ["url"] = added }, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Adds again a server whose held call is being answered: its approval, which the engine stored for this user when
    /// the server had been added, is what vouches for it, since an app answers a held round without the calls before it.
    /// </summary>
    public async Task ReattachAsync(Uri serverUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _found.TryAdd(serverUrl.AbsoluteUri, new McpRegistryServer(serverUrl.Authority, null, null, serverUrl));
            await AddAsync(new JsonObject { ["url"] = serverUrl.AbsoluteUri }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<(ToolCallStatus, string)> SearchAsync(JsonObject? arguments, CancellationToken cancellationToken)
    {
        if (arguments?["query"] is not JsonValue q || !q.TryGetValue(out string? query) || string.IsNullOrWhiteSpace(query) || query.Length > MaxQueryLength)
        {
            return (ToolCallStatus.Failed, $"'query' must be a non-empty string of at most {MaxQueryLength} characters.");
        }

        var limit = arguments["limit"] is JsonValue l && l.TryGetValue(out int n) ? Math.Clamp(n, 1, McpRegistryClient.MaxLimit) : DefaultLimit;
        if (++_searches > MaxSearches)
        {
            return (ToolCallStatus.Failed, $"At most {MaxSearches} searches are allowed in one run.");
        }

        IReadOnlyList<McpRegistryServer> servers;
        try
        {
            servers = await registry.SearchAsync(query.Trim(), limit, cancellationToken).ConfigureAwait(false);
        }
        catch (McpRegistryException ex)
        {
            return (ToolCallStatus.Failed, ex.Message);
        }

        foreach (var server in servers)
        {
            _found[server.Url.AbsoluteUri] = server;
        }

        var result = new JsonObject
        {
            ["servers"] = new JsonArray([.. servers.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["description"] = s.Description,
                ["version"] = s.Version,
                ["url"] = s.Url.AbsoluteUri,
            })]),
        };
        if (servers.Count == 0)
        {
            result["note"] = "No server with a remote streamable-HTTP URL matched; try other words.";
        }

        return (ToolCallStatus.Succeeded, result.ToJsonString(ReadableJson.Compact));
    }

    private async Task<(ToolCallStatus, string)> AddAsync(JsonObject? arguments, CancellationToken cancellationToken)
    {
        if (arguments?["url"] is not JsonValue u || !u.TryGetValue(out string? text) || !Uri.TryCreate(text, UriKind.Absolute, out var url)
            || !_found.TryGetValue(url.AbsoluteUri, out var server))
        {
            return (ToolCallStatus.Failed, "'url' must be a server URL that search_mcp_servers returned in this conversation.");
        }

        if (!_added.Add(url.AbsoluteUri))
        {
            return (ToolCallStatus.Succeeded, $"{server.Name} was already added.");
        }

        if (_added.Count > MaxAddedServers)
        {
            return (ToolCallStatus.Failed, $"At most {MaxAddedServers} servers can be added in one run.");
        }

        var spec = new McpServerSpec(url, null, null, new Dictionary<string, string>()) { RequireApproval = requireApproval };
        var resolved = await resolver.ResolveAddedAsync(spec, userKey, profile, _taken, cancellationToken).ConfigureAwait(false);
        if (resolved.LoginLinks.Count > 0)
        {
            _newLogins.AddRange(resolved.LoginLinks);
            _allLogins.AddRange(resolved.LoginLinks);
            return (ToolCallStatus.Succeeded, new JsonObject
            {
                ["added"] = server.Name,
                ["url"] = url.AbsoluteUri,
                ["login_required"] = true,
                ["note"] = $"{server.Name} needs the user to sign in: they were shown a login link. Its tools can be used once they have signed in and ask again.",
            }.ToJsonString(ReadableJson.Compact));
        }

        if (resolved.Problems.Count > 0)
        {
            _added.Remove(url.AbsoluteUri);
            return (ToolCallStatus.Failed, resolved.Problems[0].Message);
        }

        _newTools.AddRange(resolved.Tools);
        return (ToolCallStatus.Succeeded, new JsonObject
        {
            ["added"] = server.Name,
            ["url"] = url.AbsoluteUri,
            ["tools"] = new JsonArray([.. resolved.Tools.Select(t => (JsonNode)t.FunctionName)]),
            ["note"] = "These tools are offered from your next turn.",
        }.ToJsonString(ReadableJson.Compact));
    }

    private static JsonObject? Parse(string arguments)
    {
        try
        {
            return JsonNode.Parse(arguments) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
