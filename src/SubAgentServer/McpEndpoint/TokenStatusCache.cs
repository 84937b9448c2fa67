using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>True when the token entry exists and is valid (a removed client or user has no valid tokens left).</summary>
    /// <param name="tokenId">The token's <c>oi_tkn_id</c> claim.</param>
    /// <param name="requestServices">The request's services, for the token manager (and its DbContext) when the database is asked.</param>
    /// <param name="cancellationToken">Cancels the database lookup.</param>
    public async ValueTask<bool> IsValidAsync(string tokenId, IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestServices);
        var now = timeProvider.GetUtcNow();
        if (_entries.TryGetValue(tokenId, out var known) && known.CheckAgainAt > now)
        {
            return known.Valid;
        }

        var tokens = requestServices.GetRequiredService<IOpenIddictTokenManager>();
        var entry = await tokens.FindByIdAsync(tokenId, cancellationToken);
        var valid = entry is not null && await tokens.HasStatusAsync(entry, OpenIddictConstants.Statuses.Valid, cancellationToken);
        var settings = options.Value;
        if (settings.RevocationCheckInterval > TimeSpan.Zero)
        {
            if (_entries.Count >= settings.MaxRememberedTokens)
            {
                Trim(now, settings.MaxRememberedTokens);
            }

            _entries[tokenId] = new Entry(valid, now + settings.RevocationCheckInterval);
        }

        return valid;
    }

    /// <summary>Drops every remembered answer, so that a revocation made here applies to the next request.</summary>
    public void Forget() => _entries.Clear();

    private void Trim(DateTimeOffset now, int max)
    {
        foreach (var (id, entry) in _entries)
        {
            if (entry.CheckAgainAt <= now)
            {
                _entries.TryRemove(id, out _);
            }
        }

        // All still fresh (many distinct tokens within one interval): start over rather than grow.
        if (_entries.Count >= max)
        {
            _entries.Clear();
        }
    }

    private readonly record struct Entry(bool Valid, DateTimeOffset CheckAgainAt);
}
