using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Requests;

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

    [JsonPropertyName("mcp_servers")]
    public List<StoredMcpServer> McpServers { get; init; } = [];

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
        };
    }

    /// <summary>The request for the engine, with <paramref name="messages"/> as its conversation.</summary>
    /// <exception cref="InvalidRequestException">A stored MCP server or approval policy cannot be read.</exception>
    public CompletionRunRequest ToRunRequest(JsonArray messages) => new()
    {
        Messages = messages,
        McpServers = [.. McpServers.Select((s, i) => s.ToSpec($"mcp_servers[{i}]"))],
        CallerTools = (JsonArray?)CallerTools?.DeepClone() ?? [],
        Model = Model,
        UpstreamFields = (JsonObject?)UpstreamFields?.DeepClone() ?? [],
        OutputMode = OutputMode == "text" ? McpOutputMode.Text : McpOutputMode.Markdown,
        MaxRounds = MaxRounds,
        Profile = Profile,
        WaitForLogin = WaitForLoginSeconds is { } login ? TimeSpan.FromSeconds(login) : null,
        WaitForApproval = WaitForApprovalSeconds is { } approval ? TimeSpan.FromSeconds(approval) : null,
        McpSearch = McpSearch,
    };
}
