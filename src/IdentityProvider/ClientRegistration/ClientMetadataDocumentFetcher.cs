using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using McpSubAgent.Completions.Limits;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// Fetches client ID metadata documents with the <see cref="HttpClientName"/> client, whose handler dials only public
/// addresses and follows no redirects. Size and time are bounded; <c>Cache-Control</c> sets how long a document is reused.
/// </summary>
internal sealed partial class ClientMetadataDocumentFetcher(
    IHttpClientFactory httpClientFactory,
    IOptionsMonitor<ClientRegistrationOptions> options,
    TimeProvider timeProvider,
    ILogger<ClientMetadataDocumentFetcher> logger)
{
    /// <summary>The name of the <see cref="HttpClient"/> configured for these fetches.</summary>
    public const string HttpClientName = "McpSubAgent.ClientMetadataDocuments";

    /// <summary>The document at <paramref name="url"/>, or null (with the reason logged) when it cannot be used.</summary>
    public async Task<FetchedClientMetadataDocument?> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var settings = options.CurrentValue;
        using var timeout = new CancellationTokenSource(settings.MetadataDocumentTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var client = httpClientFactory.CreateClient(HttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("McpSubAgent", "1.0"));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                LogUnexpectedStatus(logger, url, (int)response.StatusCode);
                return null;
            }

            var maxBytes = settings.MetadataDocumentMaxBytes;
            await using var stream = await response.Content.ReadAsStreamAsync(linked.Token);
            var body = await BoundedBody.ReadAsync(stream, maxBytes, response.Content.Headers.ContentLength, linked.Token);

            if (body is null)
            {
                LogTooLarge(logger, url, maxBytes);
                return null;
            }

            var metadata = JsonSerializer.Deserialize(body, RegistrationJsonContext.Default.ClientMetadata);
            if (metadata is null)
            {
                LogNotJson(logger, url, "the body is null");
                return null;
            }

            return new(metadata, CacheDuration(response.Headers.CacheControl, settings));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogTimedOut(logger, url, settings.MetadataDocumentTimeout);
            return null;
        }
        catch (HttpRequestException e)
        {
            LogFetchFailed(logger, url, e.Message);
            return null;
        }
        catch (IOException e)
        {
            // The connection failed while the body was read (HttpIOException).
            LogFetchFailed(logger, url, e.Message);
            return null;
        }
        catch (JsonException e)
        {
            LogNotJson(logger, url, e.Message);
            return null;
        }
    }

    /// <summary><c>no-store</c> and <c>no-cache</c> mean every use fetches again; <c>max-age</c> counts up to the configured maximum.</summary>
    internal static TimeSpan CacheDuration(CacheControlHeaderValue? cacheControl, ClientRegistrationOptions settings)
    {
        if (cacheControl is { NoStore: true } or { NoCache: true })
        {
            return TimeSpan.Zero;
        }

        var duration = cacheControl?.MaxAge ?? settings.MetadataDocumentDefaultCacheDuration;
        return duration < settings.MetadataDocumentMaxCacheDuration ? duration : settings.MetadataDocumentMaxCacheDuration;
    }

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "The client ID metadata document {Url} is not used: it answered {StatusCode} instead of 200 (redirects are not followed)")]
    private static partial void LogUnexpectedStatus(ILogger logger, Uri url, int statusCode);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Information, Message = "The client ID metadata document {Url} is not used: it is larger than {MaxBytes} bytes")]
    private static partial void LogTooLarge(ILogger logger, Uri url, int maxBytes);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Information, Message = "The client ID metadata document {Url} is not used: fetching it took longer than {Timeout}")]
    private static partial void LogTimedOut(ILogger logger, Uri url, TimeSpan timeout);

    [LoggerMessage(EventId = 4114, Level = LogLevel.Information, Message = "The client ID metadata document {Url} is not used: fetching it failed: {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, Uri url, string reason);

    [LoggerMessage(EventId = 4115, Level = LogLevel.Information, Message = "The client ID metadata document {Url} is not used: it is not a JSON object of client metadata: {Reason}")]
    private static partial void LogNotJson(ILogger logger, Uri url, string reason);
}
