using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Hosting;

/// <summary>The server's public base URL, the OAuth issuer and the MCP resource, per request.</summary>
public sealed class PublicOrigin(IOptions<PublicOriginOptions> options)
{
    /// <summary>The base URL, always ending with a slash (as OpenIddict writes the issuer).</summary>
    public Uri BaseUri(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var configured = options.Value.PublicBaseUrl;
        var text = string.IsNullOrWhiteSpace(configured)
            ? $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}"
            : configured.Trim();
        return new Uri(text.EndsWith('/') ? text : text + "/", UriKind.Absolute);
    }

    /// <summary>The issuer, byte for byte as OpenIddict writes it in discovery and tokens.</summary>
    public string Issuer(HttpRequest request) => BaseUri(request).AbsoluteUri;

    /// <summary>The protected MCP resource (RFC 8707 / RFC 9728), <c>{base}/mcp</c>, without a trailing slash.</summary>
    public Uri McpResource(HttpRequest request) => new(BaseUri(request), "mcp");
}
