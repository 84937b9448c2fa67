using McpSubAgent.IdentityProvider.Broker.Registration;

namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>What the callback needs to finish an authorization request, stored encrypted with the login flow.</summary>
internal sealed record PendingAuthorization(string CodeVerifier, DownstreamClient Client, string RedirectUri);
