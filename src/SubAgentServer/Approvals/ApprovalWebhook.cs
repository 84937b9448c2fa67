using System.Text.Json;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.IdentityProvider.Webhooks;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>
/// Tells an app that a tool call of one of its users waits for approval (<c>Approvals:Webhook</c>); queued, signed and
/// retried as the login webhook is (<see cref="SignedWebhook"/>).
/// </summary>
internal sealed class ApprovalWebhook(
    IHttpClientFactory httpClientFactory,
    IOptions<ApprovalWebhookOptions> options,
    TimeProvider timeProvider,
    ILogger<ApprovalWebhook> logger) : SignedWebhook(httpClientFactory, HttpClientName, timeProvider, logger)
{
    public const string HttpClientName = "McpSubAgent.Approvals.Webhook";

    protected override Uri? Url => options.Value.Url;

    protected override string? Secret => options.Value.Secret;

    public void Enqueue(McpToolApproval approval)
    {
        if (!IsOn)
        {
            return;
        }

        var message = $"Your agent wants to call {approval.ToolName} on {approval.ServerUrl.Host}. Approve or deny it: "
            + (approval.PageUrl?.AbsoluteUri ?? "in the app that started it");
        Enqueue(JsonSerializer.SerializeToUtf8Bytes(
            new ApprovalWebhookPayload(approval.UserKey, approval.Id, approval.ServerUrl.AbsoluteUri, approval.ToolName,
                approval.Arguments, approval.PageUrl?.AbsoluteUri, approval.ExpiresAt, message),
            ApprovalWebhookJsonContext.Default.ApprovalWebhookPayload));
    }
}
