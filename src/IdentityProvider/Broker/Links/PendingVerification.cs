using McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;
using McpSubAgent.IdentityProvider.Broker.Tokens;

namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>A downstream login waiting for its app to confirm the end user, stored encrypted with the login flow.</summary>
internal sealed record PendingVerification(DownstreamClient Client, DownstreamTokens Tokens, DateTimeOffset? ExpiresAt, string? Scope);
