using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using McpSubAgent.Completions.Approvals;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>
/// Tells an app that a tool call of one of its users waits for approval (<c>Approvals:Webhook</c>). Sent in the
/// background, so a slow receiver never holds up a run; signed and retried as the login webhook is.
/// </summary>
internal sealed partial class ApprovalWebhook(
    IHttpClientFactory httpClientFactory,
    IOptions<ApprovalWebhookOptions> options,
    TimeProvider timeProvider,
    ILogger<ApprovalWebhook> logger) : BackgroundService
{
    public const string HttpClientName = "McpSubAgent.Approvals.Webhook";
    public const string SignatureHeader = "X-McpSubAgent-Signature";
    public const string TimestampHeader = "X-McpSubAgent-Timestamp";

    private readonly Channel<ApprovalWebhookPayload> _queue = Channel.CreateBounded<ApprovalWebhookPayload>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Enqueue(McpToolApproval approval)
    {
        if (options.Value.Url is null)
        {
            return;
        }

        var message = $"Your agent wants to call {approval.ToolName} on {approval.ServerUrl.Host}. Approve or deny it: "
            + (approval.PageUrl?.AbsoluteUri ?? "in the app that started it");
        _queue.Writer.TryWrite(new ApprovalWebhookPayload(approval.UserKey, approval.Id, approval.ServerUrl.AbsoluteUri, approval.ToolName,
            approval.Arguments, approval.PageUrl?.AbsoluteUri, approval.ExpiresAt, message));
    }

    /// <summary>The signature of a webhook body, as receivers recompute it (the login webhook's scheme).</summary>
    public static string Sign(string secret, string timestamp, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray()));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var payload in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            var settings = options.Value;
            if (settings.Url is null)
            {
                continue;
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(payload, ApprovalWebhookJsonContext.Default.ApprovalWebhookPayload);
            var timestamp = timeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            using var request = new HttpRequestMessage(HttpMethod.Post, settings.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add(TimestampHeader, timestamp);
            request.Headers.Add(SignatureHeader, Sign(settings.Secret ?? "", timestamp, body));
            try
            {
                using var response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, stoppingToken);
                if (!response.IsSuccessStatusCode)
                {
                    LogWebhookFailed(logger, settings.Url, $"HTTP {(int)response.StatusCode}");
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever the receiver or the resilience pipeline threw, this notice is lost, not the next ones.
                LogWebhookFailed(logger, settings.Url, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The approval webhook {Url} was not delivered: {Reason}")]
    private static partial void LogWebhookFailed(ILogger logger, Uri url, string reason);
}
