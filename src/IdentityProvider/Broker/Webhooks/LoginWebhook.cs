using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Broker.Webhooks;

/// <summary>
/// Tells an app that one of its users must log in (<c>Broker:LoginWebhook</c>), so that it can pass the link on by mail
/// or chat. Sent in the background, so a slow receiver never holds up a run; each POST is signed with HMAC-SHA256 over
/// <c>{timestamp}.{body}</c> and retried on failure by the HTTP client's resilience handler.
/// </summary>
internal sealed partial class LoginWebhook(
    IHttpClientFactory httpClientFactory,
    IOptions<BrokerOptions> options,
    TimeProvider timeProvider,
    ILogger<LoginWebhook> logger) : BackgroundService
{
    public const string HttpClientName = "McpSubAgent.Broker.Webhook";
    public const string SignatureHeader = "X-McpSubAgent-Signature";
    public const string TimestampHeader = "X-McpSubAgent-Timestamp";

    private readonly Channel<LoginWebhookPayload> _queue = Channel.CreateBounded<LoginWebhookPayload>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Enqueue(string user, Uri serverUrl, Uri loginUrl)
    {
        if (options.Value.LoginWebhook.Url is null)
        {
            return;
        }

        var message = $"Log in to {serverUrl.Host} so that your agent can use its tools: {loginUrl.AbsoluteUri}";
        _queue.Writer.TryWrite(new LoginWebhookPayload(user, serverUrl.AbsoluteUri, loginUrl.AbsoluteUri, message));
    }

    /// <summary>The signature of a webhook body, as receivers recompute it.</summary>
    public static string Sign(string secret, string timestamp, byte[] body)
    {
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var payload in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            var settings = options.Value.LoginWebhook;
            if (settings.Url is null)
            {
                continue;
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(payload, BrokerJsonContext.Default.LoginWebhookPayload);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The login webhook {Url} was not delivered: {Reason}")]
    private static partial void LogWebhookFailed(ILogger logger, Uri url, string reason);
}
