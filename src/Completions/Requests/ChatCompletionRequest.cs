using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Requests;

/// <summary>
/// A validated chat-completions request with its MCP servers taken out. The JSON body is kept as nodes so that
/// provider-specific fields reach the upstream untouched.
/// </summary>
public sealed class ChatCompletionRequest
{
    internal ChatCompletionRequest(
        JsonObject body,
        JsonArray messages,
        JsonArray callerTools,
        IReadOnlyList<McpServerSpec> mcpServers,
        string? model,
        bool stream,
        bool includeUsage,
        McpOutputMode outputMode,
        int? maxRounds,
        string? profile,
        string? user,
        bool hasFrontMatter)
    {
        HasFrontMatter = hasFrontMatter;
        Body = body;
        Messages = messages;
        CallerTools = callerTools;
        McpServers = mcpServers;
        Model = model;
        Stream = stream;
        IncludeUsage = includeUsage;
        OutputMode = outputMode;
        MaxRounds = maxRounds;
        Profile = profile;
        User = user;
    }

    /// <summary>The request body without MCP tool entries and without the engine's own fields.</summary>
    public JsonObject Body { get; }

    /// <summary>The conversation, with any front matter removed.</summary>
    public JsonArray Messages { get; }

    /// <summary>The tools the caller defined itself (functions and provider tools); calls to them go back to the caller.</summary>
    public JsonArray CallerTools { get; }

    /// <summary>The MCP servers of the request, from its tools and its front matter, without duplicates.</summary>
    public IReadOnlyList<McpServerSpec> McpServers { get; }

    /// <summary>
    /// How long to wait for a needed login (<c>mcp_wait_for_login</c>, in seconds) before answering with the login link;
    /// null answers with the link at once.
    /// </summary>
    public TimeSpan? WaitForLogin { get; init; }

    /// <summary>
    /// How long to wait for a person to decide calls held for approval (<c>mcp_wait_for_approval</c>, in seconds) before
    /// answering with the held calls; null answers with them at once.
    /// </summary>
    public TimeSpan? WaitForApproval { get; init; }

    /// <summary>The requested model, or null to use the default.</summary>
    public string? Model { get; }

    /// <summary>Whether the caller asked for a stream of chunks.</summary>
    public bool Stream { get; }

    /// <summary>Whether the caller asked for a usage chunk at the end of the stream.</summary>
    public bool IncludeUsage { get; }

    /// <summary>What the answer shows besides the model's text.</summary>
    public McpOutputMode OutputMode { get; }

    /// <summary>The request's <c>max_rounds</c>, if given.</summary>
    public int? MaxRounds { get; }

    /// <summary>The profile named in front matter, if any: connections are stored per (user, profile, server).</summary>
    public string? Profile { get; }

    /// <summary>OpenAI's <c>user</c> field: the caller's stable end-user id, if given.</summary>
    public string? User { get; }

    /// <summary>Whether the first message carried front matter for the engine (now removed from it).</summary>
    public bool HasFrontMatter { get; }

    /// <summary>
    /// Whether the model may search the MCP registry and add a server it found to the rest of the run
    /// (<c>{type: "mcp_search"}</c> in <c>tools</c>, or <c>mcp_search: true</c> in front matter).
    /// </summary>
    public bool McpSearch { get; init; }

    /// <summary>Whether the request names any MCP server.</summary>
    public bool HasMcpServers => McpServers.Count > 0;
}
