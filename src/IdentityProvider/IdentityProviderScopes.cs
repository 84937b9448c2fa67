using OpenIddict.Abstractions;

namespace McpSubAgent.IdentityProvider;

/// <summary>The scopes the identity provider knows.</summary>
public static class IdentityProviderScopes
{
    /// <summary>Calling the sub-agent tools of <c>/mcp</c>.</summary>
    public const string Mcp = "mcp";

    /// <summary>The scopes an MCP client may ask for: <c>openid profile email offline_access mcp</c>.</summary>
    public static IReadOnlyList<string> ForMcpClients { get; } =
    [
        OpenIddictConstants.Scopes.OpenId,
        OpenIddictConstants.Scopes.Profile,
        OpenIddictConstants.Scopes.Email,
        OpenIddictConstants.Scopes.OfflineAccess,
        Mcp,
    ];
}
