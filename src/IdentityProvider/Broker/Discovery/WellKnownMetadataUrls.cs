namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>
/// Where a downstream server's OAuth metadata is looked for, in the order of the MCP authorization spec. The broker
/// tries each URL in turn and takes the first that answers with metadata.
/// </summary>
public static class WellKnownMetadataUrls
{
    /// <summary>The URLs of an issuer's metadata, in the spec's order: RFC 8414 path-inserted, OIDC path-inserted, OIDC appended.</summary>
    public static IEnumerable<Uri> ForIssuer(Uri issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var origin = issuer.GetLeftPart(UriPartial.Authority);
        var path = issuer.AbsolutePath.TrimEnd('/');
        if (path.Length == 0)
        {
            yield return new Uri($"{origin}/.well-known/oauth-authorization-server");
            yield return new Uri($"{origin}/.well-known/openid-configuration");
        }
        else
        {
            yield return new Uri($"{origin}/.well-known/oauth-authorization-server{path}");
            yield return new Uri($"{origin}/.well-known/openid-configuration{path}");
            yield return new Uri($"{origin}{path}/.well-known/openid-configuration");
        }
    }

    /// <summary>The well-known URLs of a server's protected-resource metadata: path-inserted first, then at the root.</summary>
    public static IEnumerable<Uri> ForResource(Uri serverUrl)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        var origin = serverUrl.GetLeftPart(UriPartial.Authority);
        var path = serverUrl.AbsolutePath.TrimEnd('/');
        if (path.Length > 0)
        {
            yield return new Uri($"{origin}/.well-known/oauth-protected-resource{path}");
        }

        yield return new Uri($"{origin}/.well-known/oauth-protected-resource");
    }
}
