using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Limits;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>
/// Fetches one URL for the model: through the SSRF guard, within a size and a time limit, asking for markdown first
/// (then HTML, plain text, PDF), following at most a few redirects. A site that answers 401 with a Bearer challenge is
/// fetched again with the person's token from the credential port, keyed by the protected resource its RFC 9728
/// metadata names, so the login broker logs the person in to it exactly as to an MCP server.
/// </summary>
internal sealed partial class UrlFetcher(
    IHttpClientFactory httpClients,
    UrlAddressGuard guard,
    IMcpCredentialProvider credentials,
    IOptions<UrlContextOptions> options,
    TimeProvider timeProvider,
    ILogger<UrlFetcher> logger)
{
    public const string HttpClientName = "UrlContext";
    private const int MaxRedirects = 5;
    private const int MaxMetadataBytes = 64 * 1024;
    private static readonly string Accept = "text/markdown, text/html;q=0.9, application/xhtml+xml;q=0.9, text/plain;q=0.8, application/pdf;q=0.7";
    private static readonly Dictionary<string, string> NoHeaders = [];

    public async Task<FetchedUrl> FetchAsync(Uri url, string userKey, string? profile, int maxCharacters, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var timer = new CancellationTokenSource(settings.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await FetchCoreAsync(url, userKey, profile, maxCharacters, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return FetchedUrl.Failed(url, $"not read: no full answer within {settings.Timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            LogFetchFailed(logger, url, ex);
            return FetchedUrl.Failed(url, $"not read: the site could not be reached ({ex.Message}).");
        }
    }

    private async Task<FetchedUrl> FetchCoreAsync(Uri url, string userKey, string? profile, int maxCharacters, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(HttpClientName);
        var current = url;
        string? authorization = null;
        Uri? resource = null;
        var logins = 0;
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            if (await guard.RefusedAddressAsync(current, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return FetchedUrl.Failed(url, $"not read: {current.Host} is at the non-public address {refused}, which may not be fetched " +
                    "(Completions:UrlContext:AllowedPrivateNetworks lists the private ranges that may).");
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.Accept.ParseAdd(Accept);

            // The token is for its resource only: a redirect elsewhere goes without it.
            if (authorization is not null && resource is not null && IsWithin(current, resource))
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                if (!Uri.TryCreate(current, location, out var next) || next.Scheme is not ("http" or "https"))
                {
                    return FetchedUrl.Failed(url, "not read: the site redirected to an address that is not http(s).");
                }

                current = new UriBuilder(next) { Fragment = "" }.Uri;
                continue;
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && BearerChallengeHeader(response) is { } challenge && logins < 2)
            {
                logins++;
                resource ??= await ProtectedResourceAsync(current, challenge, cancellationToken).ConfigureAwait(false);
                var credential = await credentials.GetCredentialAsync(new McpCredentialRequest(userKey, profile, resource, NoHeaders)
                {
                    RejectedAuthorization = authorization ?? "",
                    Challenge = challenge,
                }, cancellationToken).ConfigureAwait(false);
                switch (credential)
                {
                    case McpCredential.LoginRequired login:
                        return new FetchedUrl(url, UrlReadStatus.LoginRequired, null, null, null,
                            "not read: the site needs the person to log in; they were given a login link.")
                        {
                            Login = new McpLoginLink(resource, login.LoginUrl),
                        };
                    case McpCredential.Unavailable unavailable:
                        return FetchedUrl.Failed(url, $"not read: the site needs a login that cannot be had ({unavailable.Reason}).");
                    case McpCredential.Ready { Authorization: { } given } when given != authorization:
                        authorization = given;
                        hop--;
                        continue;
                }
            }

            if (!response.IsSuccessStatusCode)
            {
                return FetchedUrl.Failed(url, $"not read: the site answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            return await ReadAsync(url, current, response, maxCharacters, cancellationToken).ConfigureAwait(false);
        }

        return FetchedUrl.Failed(url, $"not read: more than {MaxRedirects} redirects.");
    }

    private async Task<FetchedUrl> ReadAsync(Uri url, Uri final, HttpResponseMessage response, int maxCharacters, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxBytes;
        var mediaType = response.Content.Headers.ContentType?.MediaType?.ToLowerInvariant();
        var kind = mediaType switch
        {
            "text/markdown" or "text/x-markdown" => PageKind.Markdown,
            "text/plain" => PageKind.Text,
            "text/html" or "application/xhtml+xml" => PageKind.Html,
            "application/pdf" => PageKind.Pdf,
            _ => (PageKind?)null,
        };
        if (kind is null)
        {
            return FetchedUrl.Failed(url, $"not read: its content type {mediaType ?? "(none)"} is not supported (markdown, HTML, plain text and PDF are).", mediaType);
        }

        var declared = response.Content.Headers.ContentLength;
        if (kind == PageKind.Pdf && declared > maxBytes)
        {
            return FetchedUrl.Failed(url, TooLarge(declared.Value, maxBytes), mediaType);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var (bytes, cut) = await BoundedBody.ReadPrefixAsync(stream, maxBytes, declared, cancellationToken).ConfigureAwait(false);
        string? note = cut ? $"only the first {maxBytes} bytes of the page were read (Completions:UrlContext:MaxBytes)." : null;
        if (kind == PageKind.Pdf)
        {
            if (cut)
            {
                return FetchedUrl.Failed(url, TooLarge(null, maxBytes), mediaType);
            }

            var (pdfTitle, pdfText) = PdfToText.Convert(bytes, maxCharacters);
            return pdfText is null
                ? FetchedUrl.Failed(url, "not read: the PDF could not be read.", mediaType)
                : FetchedUrl.Read(url, mediaType, pdfTitle, pdfText, pdfText.Length == 0 ? "the PDF has no text (scanned pages, perhaps)." : null, maxCharacters);
        }

        var text = Decode(bytes, response.Content.Headers.ContentType?.CharSet);
        if (kind == PageKind.Html)
        {
            var (title, markdown) = HtmlToMarkdown.Convert(text, final);
            return FetchedUrl.Read(url, mediaType, title, markdown, note, maxCharacters);
        }

        return FetchedUrl.Read(url, mediaType, null, text, note, maxCharacters);
    }

    /// <summary>
    /// The protected resource a 401 is about, by the RFC 9728 metadata its challenge names: logins are kept per resource,
    /// so one login serves every page under it. The page's own URL when the metadata is missing or names a resource
    /// that does not contain the page.
    /// </summary>
    private async Task<Uri> ProtectedResourceAsync(Uri page, string challenge, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(BearerChallenge.Parse(challenge).ResourceMetadata, UriKind.Absolute, out var metadataUrl)
            || metadataUrl.Scheme is not ("http" or "https")
            || await guard.RefusedAddressAsync(metadataUrl, cancellationToken).ConfigureAwait(false) is not null)
        {
            return page;
        }

        try
        {
            var http = httpClients.CreateClient(HttpClientName);
            using var response = await http.GetAsync(metadataUrl, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return page;
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var body = await BoundedBody.ReadAsync(stream, MaxMetadataBytes, response.Content.Headers.ContentLength, cancellationToken).ConfigureAwait(false);
            if (body is not null && JsonNode.Parse(body)?["resource"] is JsonValue value && value.TryGetValue(out string? named)
                && Uri.TryCreate(named, UriKind.Absolute, out var resource) && IsWithin(page, resource))
            {
                return resource;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            LogMetadataUnreadable(logger, metadataUrl, ex);
        }

        return page;
    }

    /// <summary>Whether <paramref name="url"/> is the resource or below it: same origin, and the resource's path a prefix of the URL's.</summary>
    private static bool IsWithin(Uri url, Uri resource) =>
        string.Equals(url.GetLeftPart(UriPartial.Authority), resource.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase)
        && (url.AbsolutePath.TrimEnd('/') + "/").StartsWith(resource.AbsolutePath.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static string? BearerChallengeHeader(HttpResponseMessage response)
    {
        var challenge = response.Headers.WwwAuthenticate.ToString();
        return challenge.Contains("Bearer", StringComparison.OrdinalIgnoreCase) ? challenge : null;
    }

    private static string Decode(byte[] bytes, string? charset)
    {
        Encoding encoding;
        try
        {
            encoding = charset is null ? Encoding.UTF8 : Encoding.GetEncoding(charset.Trim('"'));
        }
        catch (ArgumentException)
        {
            encoding = Encoding.UTF8;
        }

        return encoding.GetString(bytes);
    }

    private static string TooLarge(long? declared, int maxBytes) =>
        $"not read: the file is larger than {maxBytes} bytes (Completions:UrlContext:MaxBytes)" +
        (declared is { } size ? $"; it has {size} bytes." : ".");

    private enum PageKind
    {
        Markdown,
        Text,
        Html,
        Pdf,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetching {Url} for URL context failed")]
    private static partial void LogFetchFailed(ILogger logger, Uri url, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The protected-resource metadata at {Url} could not be read")]
    private static partial void LogMetadataUnreadable(ILogger logger, Uri url, Exception exception);
}
