using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>
/// Settings of URL context (the <c>url_context</c> tool and <c>urls:</c> front matter), bound from the
/// <c>Completions:UrlContext</c> configuration section.
/// </summary>
public sealed class UrlContextOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Completions:UrlContext";

    /// <summary>How many URLs are read when a request does not say (<c>max_urls</c>); a request may ask for up to 20.</summary>
    [Range(1, UrlContextSpec.MaxUrlsLimit)]
    public int DefaultMaxUrls { get; set; } = 5;

    /// <summary>
    /// How many characters of page text the model gets, all pages together, when a request does not say
    /// (<c>max_context_length</c>); text beyond it is cut with a note.
    /// </summary>
    [Range(UrlContextSpec.MinContextLength, UrlContextSpec.MaxContextLengthLimit)]
    public int DefaultMaxContextLength { get; set; } = 50_000;

    /// <summary>How many bytes of one page (after decompression) are read; a larger page is not read, and the model is told.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public int MaxBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>How long fetching one URL may take in all (redirects, a login retry and the whole body).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How many URLs of one request are fetched at the same time.</summary>
    [Range(1, UrlContextSpec.MaxUrlsLimit)]
    public int MaxConcurrentFetches { get; set; } = 4;

    /// <summary>
    /// Non-public address ranges that may be fetched anyway, in CIDR form (<c>127.0.0.0/8</c>, <c>::1/128</c>,
    /// <c>10.1.0.0/16</c>). Empty by default: URLs on loopback, private or link-local addresses are refused (the guard
    /// against server-side request forgery). <c>Completions:AllowPrivateNetworkServers</c> does not apply here.
    /// </summary>
    public IList<string> AllowedPrivateNetworks { get; } = [];
}
