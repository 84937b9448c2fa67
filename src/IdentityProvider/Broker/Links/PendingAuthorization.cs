using McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>
/// What the callback needs to finish an authorization request, stored encrypted with the login flow; with the hash of
/// the <see cref="LoginBrowserCookie"/> of the browser that started it.
/// </summary>
internal sealed record PendingAuthorization(string CodeVerifier, DownstreamClient Client, string RedirectUri, string? BrowserHash = null);
