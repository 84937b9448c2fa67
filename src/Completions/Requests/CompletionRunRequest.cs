using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.UrlContext;

namespace McpSubAgent.Completions.Requests;

/// <summary>
/// What the engine runs: a conversation in chat-completions form, the MCP servers whose tools the model may call, and
/// the caller's own tools. Every surface (<c>/v1/chat/completions</c>, <c>/v1/responses</c>, <c>run_agent</c>, agent
/// tasks, the chat page) builds one; <see cref="ChatCompletionRequestParser"/> builds it from a chat-completions body.
/// <see cref="Loop.McpCompletionsEngine.RunAsync"/> checks it with <see cref="Validate"/> before it starts.
/// </summary>
public sealed record CompletionRunRequest
{
    /// <summary>Fields of <see cref="UpstreamFields"/> that the engine sets itself and therefore ignores.</summary>
    private static readonly string[] EngineOwnedFields = ["messages", "tools", "model", "stream", "stream_options"];

    /// <summary>The conversation, as chat-completions messages.</summary>
    public required JsonArray Messages { get; init; }

    /// <summary>The MCP servers whose tools are offered to the model; each URL at most once.</summary>
    public IReadOnlyList<McpServerSpec> McpServers { get; init; } = [];

    /// <summary>
    /// The caller's own tools as chat-completions tool entries (<c>{"type":"function","function":{...}}</c>): the model
    /// may call them, and such calls end the run with <see cref="Events.ClientToolCallsRequested"/>.
    /// </summary>
    public JsonArray CallerTools { get; init; } = [];

    /// <summary>The model to ask, or null for <see cref="CompletionsOptions.DefaultModel"/>.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Other chat-completions fields sent to the upstream as given (<c>temperature</c>, <c>top_p</c>,
    /// <c>max_completion_tokens</c>, <c>tool_choice</c>, <c>user</c>, provider-specific fields). The fields the engine
    /// sets itself (<c>messages</c>, <c>tools</c>, <c>model</c>, <c>stream</c>, <c>stream_options</c>) are ignored.
    /// </summary>
    public JsonObject UpstreamFields { get; init; } = [];

    /// <summary>What the answer shows besides the model's own text.</summary>
    public McpOutputMode OutputMode { get; init; } = McpOutputMode.Markdown;

    /// <summary>The most model calls in the run (1 to 100), or null for <see cref="CompletionsOptions.MaxRounds"/>.</summary>
    public int? MaxRounds { get; init; }

    /// <summary>The connection profile: logins are stored per (user, profile, server). Null is the default profile.</summary>
    public string? Profile { get; init; }

    /// <summary>How long to wait for a needed login before answering with its link; null answers at once.</summary>
    public TimeSpan? WaitForLogin { get; init; }

    /// <summary>How long to wait for a person to decide held calls before answering with them; null answers at once.</summary>
    public TimeSpan? WaitForApproval { get; init; }

    /// <summary>
    /// Whether the model may search the MCP registry and add a server it found to the rest of the run
    /// (<c>{type: "mcp_search"}</c> in <c>tools</c>, or <c>mcp_search: true</c> in front matter).
    /// </summary>
    public bool McpSearch { get; init; }

    /// <summary>
    /// Which tools of the servers the model adds with <see cref="McpSearch"/> need a person's approval: the
    /// <c>require_approval</c> of the <c>mcp_search</c> tool entry, or front matter's when it turns the search on.
    /// </summary>
    public McpApprovalPolicy McpSearchRequireApproval { get; init; } = McpApprovalPolicy.NeverRequired;

    /// <summary>
    /// Whether, and how, the URLs of the last user message are fetched and given to the model as context
    /// (<c>{type: "url_context"}</c> in <c>tools</c>, or <c>urls: all | at | off</c> in front matter); null is off.
    /// </summary>
    public UrlContextSpec? UrlContext { get; init; }

    /// <summary>Whether the request names any MCP server.</summary>
    public bool HasMcpServers => McpServers.Count > 0;

    /// <summary>
    /// This request with the front matter of its first system or user message applied: a leading <c>---</c> YAML block
    /// naming MCP servers (<c>mcp:</c>), a <c>profile:</c>, <c>require_approval:</c>, <c>mcp_search:</c> or <c>urls:</c> is removed
    /// from (a copy of) the conversation, and its servers are added after the request's own. The request itself when
    /// the conversation has no such block.
    /// </summary>
    /// <exception cref="InvalidRequestException">The block names a bad URL or has a field of the wrong shape.</exception>
    public CompletionRunRequest WithFrontMatter() => WithFrontMatter(out _);

    /// <summary><see cref="WithFrontMatter()"/>, saying whether there was a block.</summary>
    internal CompletionRunRequest WithFrontMatter(out bool found)
    {
        ArgumentNullException.ThrowIfNull(Messages);
        var messages = (JsonArray)Messages.DeepClone();
        var frontMatter = FrontMatter.Extract(messages);
        found = frontMatter is not null;
        if (frontMatter is null)
        {
            return this;
        }

        var servers = McpServers.ToList();
        foreach (var url in frontMatter.ServerUrls)
        {
            var spec = McpServerSpec.Create(url, "messages") with { RequireApproval = frontMatter.RequireApproval };
            if (!servers.Any(s => s.ServerUrl == spec.ServerUrl))
            {
                servers.Add(spec);
            }
        }

        return this with
        {
            Messages = messages,
            McpServers = servers,
            Profile = frontMatter.Profile ?? Profile,
            McpSearch = McpSearch || frontMatter.McpSearch,
            McpSearchRequireApproval = frontMatter.McpSearch && !McpSearch ? frontMatter.RequireApproval : McpSearchRequireApproval,
            UrlContext = frontMatter.Urls is { } urls ? (UrlContext ?? new UrlContextSpec(urls)) with { Mode = urls } : UrlContext,
        };
    }

    /// <summary>
    /// Throws an <see cref="InvalidRequestException"/> naming the first thing that is wrong: an empty or malformed
    /// conversation, an MCP server named twice, a round limit or wait out of range.
    /// </summary>
    public void Validate()
    {
        if (Messages is null || Messages.Count == 0)
        {
            throw new InvalidRequestException("'messages' must be a non-empty array.", "messages");
        }

        ChatMessageValidator.Validate(Messages);
        ArgumentNullException.ThrowIfNull(McpServers);
        ArgumentNullException.ThrowIfNull(CallerTools);
        ArgumentNullException.ThrowIfNull(UpstreamFields);
        for (var i = 0; i < McpServers.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (McpServers[j].ServerUrl == McpServers[i].ServerUrl)
                {
                    throw new InvalidRequestException($"The MCP server {McpServers[i].ServerUrl} is named twice.", "tools");
                }
            }
        }

        if (MaxRounds is < 1 or > 100)
        {
            throw new InvalidRequestException("'max_rounds' must be a whole number from 1 to 100.", "max_rounds");
        }

        CheckWait(WaitForLogin, "mcp_wait_for_login");
        CheckWait(WaitForApproval, "mcp_wait_for_approval");
        UrlContext?.Validate();
    }

    /// <summary>The chat-completions body of one upstream call: <see cref="UpstreamFields"/> with the engine's own fields.</summary>
    internal JsonObject UpstreamBody(JsonArray messages, JsonArray tools, string model)
    {
        var body = new JsonObject();
        foreach (var (name, value) in UpstreamFields)
        {
            if (!EngineOwnedFields.Contains(name))
            {
                body[name] = value?.DeepClone();
            }
        }

        body["model"] = model;
        body["messages"] = messages.DeepClone();
        body["stream"] = true;

        // Usage is summed over rounds whatever the caller asked for; the caller's wish only decides what it is sent.
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        if (tools.Count > 0)
        {
            body["tools"] = tools.DeepClone();
        }
        else
        {
            // Providers refuse tool_choice without tools (every MCP server failed, say).
            body.Remove("tool_choice");
            body.Remove("parallel_tool_calls");
        }

        return body;
    }

    private static void CheckWait(TimeSpan? wait, string field)
    {
        if (wait is { } w && (w < TimeSpan.Zero || w > ChatCompletionRequestParser.MaxWaitForLogin))
        {
            throw new InvalidRequestException(
                $"'{field}' must be a whole number of seconds from 0 to {ChatCompletionRequestParser.MaxWaitForLogin.TotalSeconds:0}.", field);
        }
    }
}
