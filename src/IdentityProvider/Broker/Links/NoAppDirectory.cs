namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>The app directory of a broker hosted without the identity provider: no apps, no verification URLs.</summary>
internal sealed class NoAppDirectory : IAppDirectory
{
    public Task<Uri?> VerificationUrlAsync(string clientId, CancellationToken cancellationToken) => Task.FromResult<Uri?>(null);

    public Task<bool> AuthenticateAsync(string clientId, string secret, CancellationToken cancellationToken) => Task.FromResult(false);
}
