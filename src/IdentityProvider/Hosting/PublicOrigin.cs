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
}
