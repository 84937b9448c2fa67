namespace McpSubAgent.IdentityProvider.Hosting;

/// <summary>Where the server is reached from outside (configuration key <c>PublicBaseUrl</c>).</summary>
public sealed class PublicOriginOptions
{
    /// <summary>
    /// The origin used in links, the issuer and the MCP resource, such as <c>https://agents.example.com</c>. When
    /// empty, it is taken from each request (scheme, host and path base, after forwarded headers are applied).
    /// </summary>
    public string? PublicBaseUrl { get; set; }
}
