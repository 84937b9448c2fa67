using McpSubAgent.Completions.Credentials;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>The engine's credential port, served by the login broker; each question gets its own database scope.</summary>
internal sealed class BrokerCredentialProvider(IServiceScopeFactory scopes) : IMcpCredentialProvider
{
    public async ValueTask<McpCredential> GetCredentialAsync(McpCredentialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DownstreamCredentials>().GetAsync(request, notify: true, cancellationToken);
    }

    public async ValueTask<bool> WaitForLoginAsync(McpCredentialRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DownstreamCredentials>().WaitForLoginAsync(request, timeout, cancellationToken);
    }
}
