using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// Whether an access token's entry in the database is still valid, remembered per token id for
/// <see cref="TokenValidationOptions.RevocationCheckInterval"/>: without it every authenticated request paid a database
/// round trip (about 85% of an authenticated <c>tools/list</c>). Revocations in this process call <see cref="Forget"/>.
/// </summary>
internal sealed class TokenStatusCache(TimeProvider timeProvider, IOptions<TokenValidationOptions> options)
{
    private readonly ExpiringCache<bool> _statuses = new(timeProvider);

    /// <summary>True when the token entry exists and is valid (a removed client or user has no valid tokens left).</summary>
    /// <param name="tokenId">The token's <c>oi_tkn_id</c> claim.</param>
    /// <param name="requestServices">The request's services, for the token manager (and its DbContext) when the database is asked.</param>
    /// <param name="cancellationToken">Cancels the database lookup.</param>
    public async ValueTask<bool> IsValidAsync(string tokenId, IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestServices);
        if (_statuses.TryGet(tokenId, out var known))
        {
            return known;
        }

        var tokens = requestServices.GetRequiredService<IOpenIddictTokenManager>();
        var entry = await tokens.FindByIdAsync(tokenId, cancellationToken);
        var valid = entry is not null && await tokens.HasStatusAsync(entry, OpenIddictConstants.Statuses.Valid, cancellationToken);
        var settings = options.Value;
        _statuses.Set(tokenId, valid, timeProvider.GetUtcNow() + settings.RevocationCheckInterval, settings.MaxRememberedTokens);
        return valid;
    }

    /// <summary>Drops every remembered answer, so that a revocation made here applies to the next request.</summary>
    public void Forget() => _statuses.Clear();
}
