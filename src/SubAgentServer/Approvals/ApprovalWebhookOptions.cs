namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>
/// The approval webhook, sibling of the login webhook (<c>Broker:LoginWebhook</c>): an app gets told when a tool call of
/// one of its users waits for approval, to pass the approval link on by mail or chat.
/// </summary>
internal sealed class ApprovalWebhookOptions
{
    public const string SectionName = "Approvals:Webhook";

    /// <summary>The URL to POST to; the webhook is off while this is empty.</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// The key of the <c>X-McpSubAgent-Signature: sha256=…</c> header, an HMAC-SHA256 of <c>{timestamp}.{body}</c> with
    /// the timestamp in <c>X-McpSubAgent-Timestamp</c> (as the login webhook). Required when <see cref="Url"/> is set.
    /// </summary>
    public string? Secret { get; set; }
}
