using System.Net;
using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>
/// Finds out how to log in to a downstream MCP server, in the order of the MCP authorization spec: the protected-resource
/// metadata (RFC 9728) named by the server's challenge or at its well-known paths, then its authorization server's
/// metadata (RFC 8414 and OpenID Connect discovery, path-inserted forms first). A server that does not offer PKCE with
/// S256, or whose metadata does not name itself, is refused.
/// </summary>
internal sealed class DownstreamDiscovery(BrokerHttp http)
{
    public async Task<DownstreamAuthorization> DiscoverAsync(Uri serverUrl, string? challengeHeader, CancellationToken cancellationToken)
    {
        var challenge = BearerChallenge.Parse(challengeHeader);
        var resourceMetadata = await FetchResourceMetadataAsync(serverUrl, challenge, cancellationToken);

        string resource;
        Uri issuer;
        if (resourceMetadata is null)
        {
            // Servers of the 2025-03-26 revision have no resource metadata: their own origin is the authorization server.
            resource = serverUrl.AbsoluteUri;
            issuer = new Uri(serverUrl.GetLeftPart(UriPartial.Authority));
        }
        else
        {
            resource = CheckResource(serverUrl, resourceMetadata.Resource);
            var first = resourceMetadata.AuthorizationServers?.FirstOrDefault(s => !string.IsNullOrWhiteSpace(s));
            if (first is null || !Uri.TryCreate(first, UriKind.Absolute, out var named) || !IsAllowedEndpoint(named))
            {
                throw new DownstreamAuthorizationException(
                    $"The protected-resource metadata of {serverUrl} names no usable authorization server.");
            }

            issuer = named;
        }

        var metadata = await FetchServerMetadataAsync(issuer, cancellationToken)
            ?? throw new DownstreamAuthorizationException(
                $"The authorization server {issuer} of {serverUrl} publishes no OAuth metadata (RFC 8414 or OpenID Connect discovery).");

        if (!SameIssuer(metadata.Issuer, issuer))
        {
            throw new DownstreamAuthorizationException(
                $"The metadata at {issuer} names the issuer {metadata.Issuer ?? "(none)"}, not itself: refused (RFC 8414 §3.3).");
        }

        if (metadata.CodeChallengeMethodsSupported?.Contains("S256", StringComparer.Ordinal) != true)
        {
            throw new DownstreamAuthorizationException(
                $"The authorization server {issuer} does not offer PKCE with S256, which a safe login needs.");
        }

        var authorizationEndpoint = Endpoint(metadata.AuthorizationEndpoint, "authorization_endpoint", issuer)
            ?? throw new DownstreamAuthorizationException($"The authorization server {issuer} names no authorization endpoint.");
        var tokenEndpoint = Endpoint(metadata.TokenEndpoint, "token_endpoint", issuer)
            ?? throw new DownstreamAuthorizationException($"The authorization server {issuer} names no token endpoint.");

        var scope = challenge.Scope
            ?? (resourceMetadata?.ScopesSupported is { Count: > 0 } supported ? string.Join(' ', supported) : null);

        return new DownstreamAuthorization(
            resource,
            metadata.Issuer!,
            authorizationEndpoint,
            tokenEndpoint,
            Endpoint(metadata.RevocationEndpoint, "revocation_endpoint", issuer),
            Endpoint(metadata.RegistrationEndpoint, "registration_endpoint", issuer),
            metadata.ClientIdMetadataDocumentSupported == true,
            metadata.TokenEndpointAuthMethodsSupported ?? [],
            metadata.AuthorizationResponseIssParameterSupported == true,
            scope);
    }

    private async Task<DownstreamResourceMetadata?> FetchResourceMetadataAsync(Uri serverUrl, BearerChallenge challenge, CancellationToken cancellationToken)
    {
        var candidates = new List<Uri>();
        if (challenge.ResourceMetadata is { } named && Uri.TryCreate(named, UriKind.Absolute, out var namedUrl) && IsAllowedEndpoint(namedUrl))
        {
            candidates.Add(namedUrl);
        }

        candidates.AddRange(WellKnownMetadataUrls.ForResource(serverUrl));
        foreach (var url in candidates)
        {
            var metadata = await http.GetJsonOrNullAsync(url, BrokerJsonContext.Default.DownstreamResourceMetadata, cancellationToken);
            if (metadata is not null)
            {
                return metadata;
            }
        }

        return null;
    }

    private async Task<DownstreamServerMetadata?> FetchServerMetadataAsync(Uri issuer, CancellationToken cancellationToken)
    {
        foreach (var url in WellKnownMetadataUrls.ForIssuer(issuer))
        {
            var metadata = await http.GetJsonOrNullAsync(url, BrokerJsonContext.Default.DownstreamServerMetadata, cancellationToken);
            if (metadata is not null)
            {
                return metadata;
            }
        }

        return null;
    }

    /// <summary>
    /// The resource must be this server (or a parent of its URL on the same origin): metadata that names another
    /// resource would have us ask for tokens meant for someone else.
    /// </summary>
    private static string CheckResource(Uri serverUrl, string? resource)
    {
        if (string.IsNullOrWhiteSpace(resource))
        {
            return serverUrl.AbsoluteUri;
        }

        if (Uri.TryCreate(resource, UriKind.Absolute, out var named)
            && string.Equals(named.GetLeftPart(UriPartial.Authority), serverUrl.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase)
            && (serverUrl.AbsolutePath.TrimEnd('/') + "/").StartsWith(named.AbsolutePath.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            return resource;
        }

        throw new DownstreamAuthorizationException(
            $"The protected-resource metadata of {serverUrl} is for another resource ({resource}): refused.");
    }

    private static bool SameIssuer(string? named, Uri issuer) =>
        named is not null && string.Equals(named.TrimEnd('/'), issuer.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);

    private static string? Endpoint(string? value, string name, Uri issuer)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var url) && IsAllowedEndpoint(url)
            ? url.AbsoluteUri
            : throw new DownstreamAuthorizationException($"The {name} of {issuer} is not an https URL: refused.");
    }

    /// <summary>Secrets travel over https only; plain http is for loopback (local setups and tests).</summary>
    private static bool IsAllowedEndpoint(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && (url.IsLoopback || IPAddress.TryParse(url.Host, out var ip) && IPAddress.IsLoopback(ip)));
}
