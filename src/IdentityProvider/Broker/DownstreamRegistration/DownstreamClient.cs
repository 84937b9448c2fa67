namespace McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

/// <summary>
/// Our client at a downstream authorization server, how it authenticates at the token endpoint, and where it came
/// from (<see cref="PreRegistered"/>, <see cref="MetadataDocument"/> or <see cref="Dynamic"/>).
/// </summary>
internal sealed record DownstreamClient(string ClientId, string? ClientSecret, string TokenEndpointAuthMethod, string Source)
{
    public const string PreRegistered = "pre_registered";
    public const string MetadataDocument = "metadata_document";
    public const string Dynamic = "dynamic";
}
