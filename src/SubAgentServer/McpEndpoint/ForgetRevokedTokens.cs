using OpenIddict.Server;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>After the revocation endpoint revoked a token, this process stops accepting it at once.</summary>
internal sealed class ForgetRevokedTokens(TokenStatusCache cache) : IOpenIddictServerHandler<OpenIddictServerEvents.ApplyRevocationResponseContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ApplyRevocationResponseContext context)
    {
        cache.Forget();
        return default;
    }
}
