extern alias PollyCore;

using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.IdentityProvider.Webhooks;

/// <summary>
/// A webhook that tells an app about something in the background, so that a slow receiver never holds up a run: bodies
/// are queued (the oldest dropped beyond 10,000), POSTed one at a time, signed as <see cref="WebhookSignature"/> says and
/// retried by the named HTTP client's resilience handler. A notice that still fails is logged and lost, not the next ones.
/// </summary>
/// <param name="httpClientFactory">Makes the named client, registered with a resilience handler by the derived webhook's feature.</param>
/// <param name="httpClientName">The name of that client.</param>
/// <param name="timeProvider">The clock of the timestamp.</param>
/// <param name="logger">Where failed deliveries are logged.</param>
public abstract partial class SignedWebhook(
    IHttpClientFactory httpClientFactory,
    string httpClientName,
    TimeProvider timeProvider,
    ILogger logger) : BackgroundService
{
    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>The receiver's URL, or null while the webhook is off; read for every notice, so options may change.</summary>
    protected abstract Uri? Url { get; }

    /// <summary>The secret that signs the notices.</summary>
    protected abstract string? Secret { get; }

    /// <summary>Whether the webhook is on (a URL is configured).</summary>
    protected bool IsOn => Url is not null;

    /// <summary>Queues a JSON body for sending; does nothing while the webhook is off.</summary>
    protected void Enqueue(byte[] body)
    {
        if (Url is not null)
        {
            _queue.Writer.TryWrite(body);
        }
    }

    /// <inheritdoc />
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var body in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            if (Url is { } url)
            {
                await SendAsync(url, body, stoppingToken);
            }
        }
    }

    private async Task SendAsync(Uri url, byte[] body, CancellationToken stoppingToken)
    {
        var timestamp = timeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp);
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(Secret ?? "", timestamp, body));
        try
        {
            using var response = await httpClientFactory.CreateClient(httpClientName).SendAsync(request, stoppingToken);
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, httpClientName, url, (int)response.StatusCode);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or PollyCore::Polly.ExecutionRejectedException
            || (ex is OperationCanceledException && !stoppingToken.IsCancellationRequested))
        {
            // Unreachable receiver, retries spent or the circuit open (Polly), or a timeout: this notice is lost, not
            // the next ones. Anything else is a bug and ends the webhook's service, where the host's policy sees it.
            LogFailed(logger, httpClientName, url, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The webhook {Name} at {Url} was not delivered: HTTP {Status}")]
    private static partial void LogRefused(ILogger logger, string name, Uri url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The webhook {Name} at {Url} was not delivered")]
    private static partial void LogFailed(ILogger logger, string name, Uri url, Exception exception);
}
