namespace McpSubAgent.Cli.Auth;

/// <summary>The person's access token for a server, refreshed (and the rotated refresh token stored) when it has expired.</summary>
internal sealed class AccessTokens(CredentialStore store, TokenClient tokens, TimeProvider timeProvider)
{
    /// <summary>Refresh this long before the expiry the server gave, so a token does not lapse on its way.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    public async Task<string> GetAsync(Uri server, bool forceRefresh, CancellationToken cancellationToken)
    {
        var file = await store.ReadAsync(cancellationToken).ConfigureAwait(false);
        var key = CredentialStore.Key(server);
        if (!file.Servers.TryGetValue(key, out var credentials))
        {
            throw new CliException(ExitCodes.AuthError, $"Not signed in to {key}: run 'mcpsubagent login --server {key}'.");
        }

        var fresh = credentials.AccessToken is not null
            && (credentials.AccessTokenExpiresAt is not { } expires || expires - Margin > timeProvider.GetUtcNow());
        if (fresh && !forceRefresh)
        {
            return credentials.AccessToken!;
        }

        var refreshed = await tokens.RefreshAsync(credentials, cancellationToken).ConfigureAwait(false);
        file.Servers[key] = refreshed;
        await store.WriteAsync(file, cancellationToken).ConfigureAwait(false);
        return refreshed.AccessToken!;
    }
}
