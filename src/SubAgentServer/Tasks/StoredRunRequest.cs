using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.UrlContext;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// The stored form of the engine's <see cref="CompletionRunRequest"/>, as a task keeps it until a worker runs it. A field
/// the request gains later gets a property here; a document without it reads as its default, and a field this version
/// does not know is ignored, so rows written by a newer or older version still run.
/// </summary>
internal sealed record StoredRunRequest
{
    [JsonPropertyName("messages")]
    public required JsonArray Messages { get; init; }

    /// <summary>Null when the document leaves it out, as one written by hand or by another version may.</summary>
    [JsonPropertyName("mcp_servers")]
    public List<StoredMcpServer>? McpServers { get; init; }

    [JsonPropertyName("caller_tools")]
    public JsonArray? CallerTools { get; init; }

    [JsonPropertyName("model")]
    public string? Model { get; init; }

    [JsonPropertyName("upstream_fields")]
    public JsonObject? UpstreamFields { get; init; }

    /// <summary><c>markdown</c> or <c>text</c>.</summary>
    [JsonPropertyName("output_mode")]
    public string? OutputMode { get; init; }

    [JsonPropertyName("max_rounds")]
    public int? MaxRounds { get; init; }

    [JsonPropertyName("profile")]
    public string? Profile { get; init; }

    [JsonPropertyName("wait_for_login_seconds")]
    public double? WaitForLoginSeconds { get; init; }

    [JsonPropertyName("wait_for_approval_seconds")]
    public double? WaitForApprovalSeconds { get; init; }

    [JsonPropertyName("mcp_search")]
    public bool McpSearch { get; init; }

    /// <summary>The approval policy of servers the model adds, in <c>require_approval</c>'s shapes; null is "never".</summary>
    [JsonPropertyName("mcp_search_require_approval")]
    public JsonNode? McpSearchRequireApproval { get; init; }

    /// <summary><c>all</c>, <c>at</c> or <c>off</c>; null when the request reads no URLs.</summary>
    [JsonPropertyName("url_context_mode")]
    public string? UrlContextMode { get; init; }

    [JsonPropertyName("url_context_max_urls")]
    public int? UrlContextMaxUrls { get; init; }

    [JsonPropertyName("url_context_max_context_length")]
    public int? UrlContextMaxContextLength { get; init; }

    public static StoredRunRequest From(CompletionRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new StoredRunRequest
        {
            Messages = (JsonArray)request.Messages.DeepClone(),
            McpServers = [.. request.McpServers.Select(StoredMcpServer.From)],
            CallerTools = request.CallerTools.Count == 0 ? null : (JsonArray)request.CallerTools.DeepClone(),
            Model = request.Model,
            UpstreamFields = request.UpstreamFields.Count == 0 ? null : (JsonObject)request.UpstreamFields.DeepClone(),
            OutputMode = request.OutputMode == McpOutputMode.Text ? "text" : "markdown",
            MaxRounds = request.MaxRounds,
            Profile = request.Profile,
            WaitForLoginSeconds = request.WaitForLogin?.TotalSeconds,
            WaitForApprovalSeconds = request.WaitForApproval?.TotalSeconds,
            McpSearch = request.McpSearch,
            McpSearchRequireApproval = request.McpSearchRequireApproval.IsNever ? null : request.McpSearchRequireApproval.ToJson(),
            UrlContextMode = request.UrlContext?.Mode.ToString().ToLowerInvariant(),
            UrlContextMaxUrls = request.UrlContext?.MaxUrls,
            UrlContextMaxContextLength = request.UrlContext?.MaxContextLength,
        };
    }

    /// <summary>The request for the engine, with <paramref name="messages"/> as its conversation.</summary>
    /// <exception cref="InvalidRequestException">A stored MCP server or approval policy cannot be read.</exception>
    public CompletionRunRequest ToRunRequest(JsonArray messages) => new()
    {
        Messages = messages,
        McpServers = [.. (McpServers ?? []).Select((s, i) => s.ToSpec($"mcp_servers[{i}]"))],
        CallerTools = (JsonArray?)CallerTools?.DeepClone() ?? [],
        Model = Model,
        UpstreamFields = (JsonObject?)UpstreamFields?.DeepClone() ?? [],
        OutputMode = OutputMode == "text" ? McpOutputMode.Text : McpOutputMode.Markdown,
        MaxRounds = MaxRounds,
        Profile = Profile,
        WaitForLogin = WaitForLoginSeconds is { } login ? TimeSpan.FromSeconds(login) : null,
        WaitForApproval = WaitForApprovalSeconds is { } approval ? TimeSpan.FromSeconds(approval) : null,
        McpSearch = McpSearch,
        McpSearchRequireApproval = McpApprovalPolicy.Parse(McpSearchRequireApproval?.DeepClone(), "mcp_search_require_approval"),
        UrlContext = UrlContextMode is { } mode && Enum.TryParse<UrlContextMode>(mode, ignoreCase: true, out var parsed)
            ? new UrlContextSpec(parsed, UrlContextMaxUrls, UrlContextMaxContextLength)
            : null,
    };
}
