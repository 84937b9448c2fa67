using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Requests;
using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>
/// Reads the URLs of a run's last user message when the request turned URL context on: finds them (all, or only
/// <c>@</c>-marked ones), fetches at most <c>max_urls</c> of them, a few at a time, and shares
/// <c>max_context_length</c> characters between their texts. Only the last user message is read: it is what the
/// person is asking now, and earlier turns' pages were read in their own turns.
/// </summary>
internal sealed class UrlContextReader(UrlFetcher fetcher, IMcpCredentialProvider credentials, IOptions<UrlContextOptions> options)
{
    private static readonly Dictionary<string, string> NoHeaders = [];

    /// <summary>Waits until every login of <paramref name="logins"/> has completed, for at most <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForLoginsAsync(IReadOnlyList<McpLoginLink> logins, string userKey, string? profile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var done = await Task.WhenAll(logins.Select(l =>
            credentials.WaitForLoginAsync(new McpCredentialRequest(userKey, profile, l.ServerUrl, NoHeaders), timeout, cancellationToken).AsTask())).ConfigureAwait(false);
        return done.All(d => d);
    }

    /// <summary>The fetched URLs, or null when URL context is off or the message names no URL.</summary>
    public async Task<UrlContextResult?> ReadAsync(CompletionRunRequest request, string userKey, string? profile, CancellationToken cancellationToken)
    {
        if (request.UrlContext is not { Mode: not UrlContextMode.Off } spec || UrlFinder.LastUserText(request.Messages) is not { } text)
        {
            return null;
        }

        var urls = UrlFinder.Find(text, spec.Mode);
        if (urls.Count == 0)
        {
            return null;
        }

        var settings = options.Value;
        var maxUrls = spec.MaxUrls ?? settings.DefaultMaxUrls;
        var maxLength = spec.MaxContextLength ?? settings.DefaultMaxContextLength;
        using var gate = new SemaphoreSlim(settings.MaxConcurrentFetches);
        var fetched = await Task.WhenAll(urls.Take(maxUrls).Select(async url =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await fetcher.FetchAsync(url, userKey, profile, maxLength, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return new UrlContextResult(fetched, [.. urls.Skip(maxUrls)], maxUrls, maxLength);
    }
}
