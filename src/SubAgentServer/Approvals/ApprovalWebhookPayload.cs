using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>The body of the approval webhook: whose call waits, what it is, where to decide it, and a sentence to pass on.</summary>
internal sealed record ApprovalWebhookPayload(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("approval_id")] string ApprovalId,
    [property: JsonPropertyName("server_url")] string ServerUrl,
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("arguments")] string Arguments,
    [property: JsonPropertyName("approval_url")] string? ApprovalUrl,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(ApprovalWebhookPayload))]
internal sealed partial class ApprovalWebhookJsonContext : JsonSerializerContext;
