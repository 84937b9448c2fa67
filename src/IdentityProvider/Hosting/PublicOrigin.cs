using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Hosting;

/// <summary>The server's public base URL, the OAuth issuer and the MCP resource, per request.</summary>
public sealed class PublicOrigin(IOptions<PublicOriginOptions> options)
{
    /// <summary>The configured <c>PublicBaseUrl</c> with a trailing slash, or null when the origin comes from each request.</summary>
    public Uri? ConfiguredBaseUri => string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl) ? null : WithSlash(options.Value.PublicBaseUrl.Trim());

    /// <summary>The base URL, always ending with a slash (as OpenIddict writes the issuer).</summary>
    public Uri BaseUri(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var configured = options.Value.PublicBaseUrl;
        var text = string.IsNullOrWhiteSpace(configured)
            ? $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}"
            : configured.Trim();
        return WithSlash(text);
    }

    /// <summary>The issuer, byte for byte as OpenIddict writes it in discovery and tokens.</summary>
    public string Issuer(HttpRequest request) => BaseUri(request).AbsoluteUri;

    private static Uri WithSlash(string text) => new(text.EndsWith('/') ? text : text + "/", UriKind.Absolute);

    /// <summary>The protected MCP resource (RFC 8707 / RFC 9728), <c>{base}/mcp</c>, without a trailing slash.</summary>
    public Uri McpResource(HttpRequest request) => new(BaseUri(request), "mcp");

    // The last origin's answers: every bearer-token request needs both strings, and building the two Uris again was
    // about 3% of an authenticated request. One entry only, so that no Host header can grow it.
    private OriginStrings? _last;

    /// <summary>
    /// <see cref="Issuer"/> and <see cref="McpResource"/>'s absolute URI for this request, as strings; the same values,
    /// remembered for the most recent origin.
    /// </summary>
    public (string Issuer, string McpResource) IssuerAndMcpResource(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scheme = request.Scheme;
        var host = request.Host.Value ?? string.Empty;
        var pathBase = request.PathBase.Value ?? string.Empty;
        if (_last is { } last && last.Scheme == scheme && last.Host == host && last.PathBase == pathBase)
        {
            return (last.Issuer, last.McpResource);
        }

        var computed = new OriginStrings(scheme, host, pathBase, Issuer(request), McpResource(request).AbsoluteUri);
        _last = computed;
        return (computed.Issuer, computed.McpResource);
    }

    private sealed record OriginStrings(string Scheme, string Host, string PathBase, string Issuer, string McpResource);
}
