using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>The stored form of an <see cref="McpServerSpec"/>: the fields of OpenAI's MCP tool entry.</summary>
internal sealed record StoredMcpServer
{
    [JsonPropertyName("server_url")]
    public required string ServerUrl { get; init; }

    [JsonPropertyName("server_label")]
    public string? ServerLabel { get; init; }

    [JsonPropertyName("allowed_tools")]
    public List<string>? AllowedTools { get; init; }

    [JsonPropertyName("headers")]
    public Dictionary<string, string>? Headers { get; init; }

    /// <summary>The approval policy as a <c>require_approval</c> value; null is "never".</summary>
    [JsonPropertyName("require_approval")]
    public JsonNode? RequireApproval { get; init; }

    public static StoredMcpServer From(McpServerSpec spec) => new()
    {
        ServerUrl = spec.ServerUrl.AbsoluteUri,
        ServerLabel = spec.Label,
        AllowedTools = spec.AllowedTools is null ? null : [.. spec.AllowedTools.Order(StringComparer.Ordinal)],
        Headers = spec.Headers.Count == 0 ? null : new Dictionary<string, string>(spec.Headers),
        RequireApproval = spec.RequireApproval.IsNever ? null : spec.RequireApproval.ToJson(),
    };

    public McpServerSpec ToSpec(string param) =>
        new(McpServerSpec.Create(ServerUrl, param).ServerUrl, ServerLabel, AllowedTools?.ToHashSet(StringComparer.Ordinal),
            new Dictionary<string, string>(Headers ?? [], StringComparer.OrdinalIgnoreCase))
        {
            RequireApproval = McpApprovalPolicy.Parse(RequireApproval, $"{param}.require_approval"),
        };
}
