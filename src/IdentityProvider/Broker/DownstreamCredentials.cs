using System.Text.Json;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.IdentityProvider.Broker.Discovery;
using McpSubAgent.IdentityProvider.Broker.Links;
using McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;
using McpSubAgent.IdentityProvider.Broker.Storage;
using McpSubAgent.IdentityProvider.Broker.Tokens;
using McpSubAgent.IdentityProvider.Broker.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>
/// The broker's answer to the engine for one (user key, profile, server): the stored access token (refreshed before
/// it expires, and once after the server refuses it), or a login link when there is no usable token. A server that
/// never asked for a login is connected to without credentials. Only tokens issued for that server by its own
/// authorization server are ever sent to it.
/// </summary>
internal sealed partial class DownstreamCredentials(
    IDownstreamConnectionContext db,
    DownstreamDiscovery discovery,
    LoginFlows flows,
    DownstreamTokenClient tokenClient,
    DownstreamClientRegistrar registrar,
    TokenProtector protector,
    RefreshLocks locks,
    LoginWebhook webhook,
    IOptions<BrokerOptions> options,
    IOptions<CompletionsOptions> completionsOptions,
    TimeProvider timeProvider,
    ILogger<DownstreamCredentials> logger)
{
    /// <param name="request">What the engine asks.</param>
    /// <param name="notify">Whether a needed login is announced through the login webhook (not for the person's own connections page).</param>
    /// <param name="cancellationToken">Cancels the answer.</param>
    public async Task<McpCredential> GetAsync(McpCredentialRequest request, bool notify, CancellationToken cancellationToken)
    {
        // The caller (or the operator, in Completions:ServerCredentials) gave this server's credentials: they are all
        // there is to send, and nobody can log in instead.
        var given = request.RequestHeaders.GetValueOrDefault("Authorization")
            ?? StaticCredentialProvider.ConfiguredFor(completionsOptions.Value, request.ServerUrl);
        if (given is not null)
        {
            return request.RejectedAuthorization is null
                ? new McpCredential.Ready(given)
                : new McpCredential.Unavailable($"{request.ServerUrl} refused the Authorization header given for it.");
        }

        var key = ConnectionKey.For(request.UserKey, request.Profile, request.ServerUrl);
        var connection = await db.DownstreamConnections.AsNoTracking().FirstOrDefaultAsync(c => c.Key == key, cancellationToken);
        var challenge = BearerChallenge.Parse(request.Challenge);

        if (connection is null)
        {
            // Try without: a server that needs a login says so with a 401, and the engine asks again with its challenge.
            return request.RejectedAuthorization is null
                ? McpCredential.Anonymous
                : await LoginAsync(request, null, null, notify, cancellationToken);
        }

        if (connection.Status != DownstreamConnectionStatus.Connected || connection.ProtectedTokens is null)
        {
            return await LoginAsync(request, connection, null, notify, cancellationToken);
        }

        if (request.RejectedAuthorization is not null && challenge.IsInsufficientScope)
        {
            // A wider scope needs the person's consent again: a refresh cannot widen it.
            var wider = WidenScope(connection.Scope, challenge.Scope);
            await MarkNeedsLoginAsync(key, clearTokens: false, cancellationToken);
            return await LoginAsync(request, connection, wider, notify, cancellationToken);
        }

        return await CurrentOrRefreshedAsync(request, connection, notify, cancellationToken);
    }

    /// <summary>Waits until the connection is usable (a login through a link completed), polling the database so that any replica's callback counts.</summary>
    public async Task<bool> WaitForLoginAsync(McpCredentialRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var key = ConnectionKey.For(request.UserKey, request.Profile, request.ServerUrl);
        var deadline = timeProvider.GetUtcNow() + timeout;
        while (true)
        {
            var connected = await db.DownstreamConnections.AsNoTracking()
                .AnyAsync(c => c.Key == key && c.Status == DownstreamConnectionStatus.Connected, cancellationToken);
            if (connected)
            {
                return true;
            }

            var left = deadline - timeProvider.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.Delay(left < PollInterval ? left : PollInterval, timeProvider, cancellationToken);
        }
    }

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private async Task<McpCredential> CurrentOrRefreshedAsync(
        McpCredentialRequest request, DownstreamConnection connection, bool notify, CancellationToken cancellationToken)
    {
        var tokens = protector.Unprotect(connection.ProtectedTokens!, BrokerJsonContext.Default.DownstreamTokens);
        var current = Bearer(tokens);
        var now = timeProvider.GetUtcNow();
        var expiring = connection.AccessTokenExpiresAt is { } expires && expires - options.Value.RefreshBeforeExpiry <= now;
        var refused = request.RejectedAuthorization is not null;

        // Refused, but not this token: another run has refreshed it in the meantime.
        if ((refused && request.RejectedAuthorization != current) || (!refused && !expiring))
        {
            await TouchAsync(connection, now, cancellationToken);
            return new McpCredential.Ready(current);
        }

        if (tokens.RefreshToken is null)
        {
            // Nothing to renew it with: use it while it lasts, then log in again.
            if (!refused && connection.AccessTokenExpiresAt > now)
            {
                await TouchAsync(connection, now, cancellationToken);
                return new McpCredential.Ready(current);
            }

            await MarkNeedsLoginAsync(connection.Key, clearTokens: true, cancellationToken);
            return await LoginAsync(request, connection, null, notify, cancellationToken);
        }

        using var held = await locks.AcquireAsync(connection.Key, cancellationToken);
        var latest = await db.DownstreamConnections.FirstOrDefaultAsync(c => c.Key == connection.Key, cancellationToken);
        if (latest is null || latest.ProtectedTokens is null || latest.Status != DownstreamConnectionStatus.Connected)
        {
            return await LoginAsync(request, latest, null, notify, cancellationToken);
        }

        if (latest.Version != connection.Version)
        {
            return new McpCredential.Ready(Bearer(protector.Unprotect(latest.ProtectedTokens, BrokerJsonContext.Default.DownstreamTokens)));
        }

        var authorization = JsonSerializer.Deserialize(latest.AuthorizationJson, BrokerJsonContext.Default.DownstreamAuthorization)!;
        var client = protector.Unprotect(latest.ProtectedClient, BrokerJsonContext.Default.DownstreamClient);
        TokenResult result;
        try
        {
            result = await tokenClient.RefreshAsync(authorization, client, tokens.RefreshToken, cancellationToken);
        }
        catch (DownstreamAuthorizationException ex)
        {
            // The authorization server is unreachable: a token that still works is better than none.
            LogRefreshFailed(logger, request.ServerUrl, ex.Message);
            return refused || connection.AccessTokenExpiresAt <= now
                ? new McpCredential.Unavailable($"The login to {request.ServerUrl} could not be renewed: {ex.Message}")
                : new McpCredential.Ready(current);
        }

        switch (result)
        {
            case TokenResult.Issued issued:
                latest.ProtectedTokens = protector.Protect(issued.Tokens, BrokerJsonContext.Default.DownstreamTokens);
                latest.AccessTokenExpiresAt = issued.ExpiresAt;
                latest.Scope = issued.Scope ?? latest.Scope;
                latest.UpdatedAt = now;
                latest.LastUsedAt = now;
                latest.Version++;
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateConcurrencyException)
                {
                    // Another replica stored its own refresh first; its tokens are as good as ours.
                    LogRefreshRace(logger, request.ServerUrl);
                }

                return new McpCredential.Ready(Bearer(issued.Tokens));
            case TokenResult.Refused { IsInvalidGrant: true } or TokenResult.Refused { IsInvalidClient: true }:
                var refusedResult = (TokenResult.Refused)result;
                LogRefreshRefused(logger, request.ServerUrl, refusedResult.Error);
                if (refusedResult.IsInvalidClient)
                {
                    await registrar.ForgetAsync(authorization, client, cancellationToken);
                }

                await MarkNeedsLoginAsync(connection.Key, clearTokens: true, cancellationToken);
                return await LoginAsync(request, latest, null, notify, cancellationToken);
            default:
                var other = (TokenResult.Refused)result;
                LogRefreshFailed(logger, request.ServerUrl, other.Error);
                return refused || connection.AccessTokenExpiresAt <= now
                    ? new McpCredential.Unavailable($"The login to {request.ServerUrl} could not be renewed ({other.Error}).")
                    : new McpCredential.Ready(current);
        }
    }

    private async Task<McpCredential> LoginAsync(
        McpCredentialRequest request, DownstreamConnection? connection, string? scope, bool notify, CancellationToken cancellationToken)
    {
        DownstreamAuthorization authorization;
        try
        {
            authorization = await discovery.DiscoverAsync(request.ServerUrl, request.Challenge, cancellationToken);
        }
        catch (DownstreamAuthorizationException ex)
        {
            if (connection is null)
            {
                LogDiscoveryFailed(logger, request.ServerUrl, ex.Message);
                return new McpCredential.Unavailable($"{request.ServerUrl} requires a login that cannot be done: {ex.Message}");
            }

            // What worked last time may work again.
            authorization = JsonSerializer.Deserialize(connection.AuthorizationJson, BrokerJsonContext.Default.DownstreamAuthorization)!;
        }

        // A new login asks for at least what the last one was granted (a step-up widened it for a reason).
        scope ??= connection?.Scope is { } granted ? WidenScope(granted, authorization.Scope) : null;
        if (scope is not null)
        {
            authorization = authorization with { Scope = scope };
        }

        var link = await flows.CreateLinkAsync(request.UserKey, request.Profile, request.ServerUrl, authorization, cancellationToken);
        if (notify)
        {
            webhook.Enqueue(request.UserKey, request.ServerUrl, link);
        }

        return new McpCredential.LoginRequired(link);
    }

    private async Task MarkNeedsLoginAsync(string key, bool clearTokens, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await db.DownstreamConnections.Where(c => c.Key == key).ExecuteUpdateAsync(s =>
        {
            s.SetProperty(c => c.Status, DownstreamConnectionStatus.NeedsLogin)
                .SetProperty(c => c.UpdatedAt, now)
                .SetProperty(c => c.Version, c => c.Version + 1);
            if (clearTokens)
            {
                s.SetProperty(c => c.ProtectedTokens, (string?)null);
            }
        }, cancellationToken);
    }

    /// <summary>Records the last use for the connections page, at most once a minute per connection.</summary>
    private async Task TouchAsync(DownstreamConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (connection.LastUsedAt is null || now - connection.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await db.DownstreamConnections.Where(c => c.Key == connection.Key)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastUsedAt, now), cancellationToken);
        }
    }

    private static string Bearer(DownstreamTokens tokens) => $"Bearer {tokens.AccessToken}";

    private static string? WidenScope(string? granted, string? required)
    {
        var scopes = (granted ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Concat((required ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return scopes.Count == 0 ? null : string.Join(' ', scopes);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot log in to {ServerUrl}: {Reason}")]
    private static partial void LogDiscoveryFailed(ILogger logger, Uri serverUrl, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the token of {ServerUrl} failed: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, Uri serverUrl, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The refresh token of {ServerUrl} was refused ({Error}): the user must log in again")]
    private static partial void LogRefreshRefused(ILogger logger, Uri serverUrl, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Another replica refreshed the token of {ServerUrl} at the same time")]
    private static partial void LogRefreshRace(ILogger logger, Uri serverUrl);
}
