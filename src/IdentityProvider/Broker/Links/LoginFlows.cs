using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using McpSubAgent.IdentityProvider.Broker.Discovery;
using McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;
using McpSubAgent.IdentityProvider.Broker.Storage;
using McpSubAgent.IdentityProvider.Broker.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>
/// Login links and the authorization requests they start: a link is made for (user key, profile, server); opening it
/// sends the browser to the downstream authorization server (PKCE S256, state, resource); the callback checks the state
/// and the issuer, exchanges the code and stores the tokens encrypted. All state is in the database, so any replica can
/// serve any step. A link may be opened again until a login through it completes (a link previewer that fetches it
/// does not use it up); after that, and after it expires, it opens nothing. The callback must come to the browser
/// that opened the link; a login of an app's end user whose app has a verification URL is stored only once the app
/// confirms that user (<see cref="VerifyAsync"/>).
/// </summary>
internal sealed partial class LoginFlows(
    IDownstreamConnectionContext db,
    DownstreamClientRegistrar registrar,
    DownstreamTokenClient tokenClient,
    BrokerOrigin origin,
    TokenProtector protector,
    IAppDirectory apps,
    IOptions<BrokerOptions> options,
    TimeProvider timeProvider,
    ILogger<LoginFlows> logger)
{
    public async Task<Uri> CreateLinkAsync(
        string userKey, string? profile, Uri serverUrl, DownstreamAuthorization authorization, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var secret = ConnectionKey.NewSecret();
        db.DownstreamLoginFlows.Add(new DownstreamLoginFlow
        {
            Id = ConnectionKey.Hash(secret),
            UserKey = userKey,
            Profile = profile ?? "",
            ServerUrl = serverUrl.AbsoluteUri,
            AuthorizationJson = JsonSerializer.Serialize(authorization, BrokerJsonContext.Default.DownstreamAuthorization),
            CreatedAt = now,
            ExpiresAt = now + options.Value.LoginLinkLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);

        // Expired links are of no use to anyone: sweep them as new ones are made.
        var stale = now - TimeSpan.FromDays(1);
        await db.DownstreamLoginFlows.Where(f => f.ExpiresAt < stale).ExecuteDeleteAsync(cancellationToken);
        return origin.LoginLink(secret);
    }

    /// <summary>The user key a link was made for, or null for a link that is not known, used up or expired.</summary>
    public async Task<string?> OwnerAsync(string link, CancellationToken cancellationToken)
    {
        var flow = await db.DownstreamLoginFlows.AsNoTracking().FirstOrDefaultAsync(f => f.Id == ConnectionKey.Hash(link), cancellationToken);
        return Unusable(flow) is null ? flow!.UserKey : null;
    }

    /// <summary>
    /// Opens a login link: registers our client where needed and sends the browser to the authorization server. The
    /// request is bound to the browser's <see cref="LoginBrowserCookie"/>.
    /// </summary>
    public async Task<LoginPageResult> StartAsync(string link, string browser, CancellationToken cancellationToken)
    {
        var flow = await db.DownstreamLoginFlows.FirstOrDefaultAsync(f => f.Id == ConnectionKey.Hash(link), cancellationToken);
        if (Unusable(flow) is { } refusal)
        {
            return refusal;
        }

        var authorization = JsonSerializer.Deserialize(flow!.AuthorizationJson, BrokerJsonContext.Default.DownstreamAuthorization)!;
        var serverUrl = new Uri(flow.ServerUrl);
        DownstreamClient client;
        try
        {
            client = await registrar.GetClientAsync(serverUrl, authorization, cancellationToken);
        }
        catch (DownstreamAuthorizationException ex)
        {
            return new LoginPageResult.Failed("This server cannot be connected", ex.Message, StatusCodes.Status502BadGateway);
        }

        var state = ConnectionKey.NewSecret();
        var verifier = ConnectionKey.NewSecret();
        var redirectUri = origin.CallbackUri.AbsoluteUri;
        flow.StateHash = ConnectionKey.Hash(state);
        flow.ProtectedPending = protector.Protect(new PendingAuthorization(verifier, client, redirectUri, ConnectionKey.Hash(browser)), BrokerJsonContext.Default.PendingAuthorization);
        await db.SaveChangesAsync(cancellationToken);

        var parameters = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = client.ClientId,
            ["redirect_uri"] = redirectUri,
            ["state"] = state,
            ["code_challenge"] = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
            ["resource"] = authorization.Resource,
        };
        if (!string.IsNullOrWhiteSpace(authorization.Scope))
        {
            parameters["scope"] = authorization.Scope;
        }

        LogLoginStarted(logger, serverUrl, client.Source);
        return new LoginPageResult.RedirectTo(new Uri(QueryHelpers.AddQueryString(authorization.AuthorizationEndpoint, parameters)));
    }

    /// <summary>The redirect back from the authorization server: checks it, exchanges the code and stores the tokens.</summary>
    public async Task<LoginPageResult> CompleteAsync(
        string? state, string? code, string? issuer, string? error, string? errorDescription, string? browser, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(state))
        {
            return new LoginPageResult.Failed("This login cannot be completed", "The answer of the authorization server carries no state.");
        }

        var flow = await db.DownstreamLoginFlows.FirstOrDefaultAsync(f => f.StateHash == ConnectionKey.Hash(state), cancellationToken);
        if (flow is null)
        {
            return new LoginPageResult.Failed("This login cannot be completed",
                "It is not known here: it was restarted from its link in another window, or the address was altered. Open the login link again.");
        }

        if (Unusable(flow) is { } refusal)
        {
            return refusal;
        }

        var authorization = JsonSerializer.Deserialize(flow.AuthorizationJson, BrokerJsonContext.Default.DownstreamAuthorization)!;

        // RFC 9207: an answer from another authorization server than the one we sent the person to is a mix-up attack.
        if ((issuer is not null && !string.Equals(issuer.TrimEnd('/'), authorization.Issuer.TrimEnd('/'), StringComparison.Ordinal))
            || (issuer is null && authorization.IssParameterSupported))
        {
            return new LoginPageResult.Failed("This login cannot be completed",
                "The answer did not come from the authorization server the login was started at.");
        }

        if (error is not null)
        {
            var message = error == "access_denied"
                ? "Access was not granted, so the server's tools cannot be used. Open the login link again to retry."
                : $"The authorization server answered {error}{(errorDescription is null ? "" : $": {errorDescription}")}. Open the login link again to retry.";
            return new LoginPageResult.Failed("The login did not complete", message);
        }

        if (string.IsNullOrEmpty(code) || flow.ProtectedPending is null)
        {
            return new LoginPageResult.Failed("This login cannot be completed", "The answer of the authorization server carries no code.");
        }

        PendingAuthorization pending;
        try
        {
            pending = protector.Unprotect(flow.ProtectedPending, BrokerJsonContext.Default.PendingAuthorization);
        }
        catch (CryptographicException)
        {
            return new LoginPageResult.Failed("This login cannot be completed", "Its stored state cannot be read any more. Open the login link again.");
        }

        // Another browser than the one that opened the link: its URL was passed on. The state stays usable by its owner.
        if (pending.BrowserHash is null || browser is null || pending.BrowserHash != ConnectionKey.Hash(browser))
        {
            return new LoginPageResult.Failed("This login cannot be completed",
                "It was started in another browser. Open the login link in the browser you log in with; a login link is for the person it was made for.",
                StatusCodes.Status403Forbidden);
        }

        // The state is spent whatever happens next: a replayed callback finds nothing.
        flow.StateHash = null;
        flow.ProtectedPending = null;
        await db.SaveChangesAsync(cancellationToken);

        var serverUrl = new Uri(flow.ServerUrl);
        TokenResult result;
        try
        {
            result = await tokenClient.ExchangeCodeAsync(authorization, pending.Client, code, pending.CodeVerifier, pending.RedirectUri, cancellationToken);
        }
        catch (DownstreamAuthorizationException ex)
        {
            return new LoginPageResult.Failed("The login did not complete", ex.Message, StatusCodes.Status502BadGateway);
        }

        if (result is TokenResult.Refused refused)
        {
            if (refused.IsInvalidClient)
            {
                await registrar.ForgetAsync(authorization, pending.Client, cancellationToken);
            }

            LogExchangeRefused(logger, serverUrl, refused.Error);
            return new LoginPageResult.Failed("The login did not complete",
                $"The authorization server refused the code ({refused.Error}{(refused.Description is null ? "" : $": {refused.Description}")}). Open the login link again to retry.",
                StatusCodes.Status502BadGateway);
        }

        var issued = (TokenResult.Issued)result;
        if (AppOf(flow.UserKey) is { } app && await apps.VerificationUrlAsync(app, cancellationToken) is { } verificationUrl)
        {
            // The app says which of its users is in this browser before the login counts (VerifyAsync).
            var flowId = ConnectionKey.NewSecret();
            flow.StateHash = VerificationHash(flowId);
            flow.ProtectedPending = protector.Protect(new PendingVerification(pending.Client, issued.Tokens, issued.ExpiresAt, issued.Scope),
                BrokerJsonContext.Default.PendingVerification);
            await db.SaveChangesAsync(cancellationToken);
            return new LoginPageResult.RedirectTo(new Uri(QueryHelpers.AddQueryString(verificationUrl.AbsoluteUri, "flow_id", flowId)));
        }

        await StoreConnectionAsync(flow, authorization, pending.Client, issued, cancellationToken);
        LogConnected(logger, serverUrl);
        return new LoginPageResult.Connected(serverUrl);
    }

    /// <summary>
    /// An app's answer for a login of one of its end users that waits for verification: stored when the app names the
    /// user the link was made for, discarded when it names another. Either way the flow id is spent.
    /// </summary>
    public async Task<VerificationAnswer?> VerifyAsync(string clientId, string user, string flowId, CancellationToken cancellationToken)
    {
        var flow = await db.DownstreamLoginFlows.FirstOrDefaultAsync(f => f.StateHash == VerificationHash(flowId), cancellationToken);
        if (flow?.ProtectedPending is null || Unusable(flow) is not null || AppOf(flow.UserKey) != clientId)
        {
            return null;
        }

        PendingVerification login;
        try
        {
            login = protector.Unprotect(flow.ProtectedPending, BrokerJsonContext.Default.PendingVerification);
        }
        catch (CryptographicException)
        {
            return null;
        }

        flow.StateHash = null;
        flow.ProtectedPending = null;
        var serverUrl = new Uri(flow.ServerUrl);
        if (!string.Equals(flow.UserKey, $"{clientId}:{user}", StringComparison.Ordinal))
        {
            await db.SaveChangesAsync(cancellationToken);
            LogVerificationRefused(logger, serverUrl);
            return new VerificationAnswer(VerificationAnswer.Refused, serverUrl.AbsoluteUri);
        }

        var authorization = JsonSerializer.Deserialize(flow.AuthorizationJson, BrokerJsonContext.Default.DownstreamAuthorization)!;
        await StoreConnectionAsync(flow, authorization, login.Client, new TokenResult.Issued(login.Tokens, login.ExpiresAt, login.Scope), cancellationToken);
        LogConnected(logger, serverUrl);
        return new VerificationAnswer(VerificationAnswer.Connected, serverUrl.AbsoluteUri);
    }

    /// <summary>The app of an end user's key (<c>{client_id}:{user}</c>), or null for a person's.</summary>
    private static string? AppOf(string userKey) => userKey.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? userKey[..colon] : null;

    /// <summary>The flow id given to an app is stored hashed apart from states, so that neither passes for the other.</summary>
    private static string VerificationHash(string flowId) => ConnectionKey.Hash("verify\n" + flowId);

    private async Task StoreConnectionAsync(
        DownstreamLoginFlow flow, DownstreamAuthorization authorization, DownstreamClient client, TokenResult.Issued issued,
        CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var key = ConnectionKey.For(flow.UserKey, flow.Profile, new Uri(flow.ServerUrl));
        var connection = await db.DownstreamConnections.FirstOrDefaultAsync(c => c.Key == key, cancellationToken);
        if (connection is null)
        {
            connection = new DownstreamConnection
            {
                Id = ConnectionKey.NewSecret(),
                Key = key,
                UserKey = flow.UserKey,
                Profile = flow.Profile,
                ServerUrl = flow.ServerUrl,
                AuthorizationJson = "",
                ProtectedClient = "",
                Status = DownstreamConnectionStatus.Connected,
                CreatedAt = now,
            };
            db.DownstreamConnections.Add(connection);
        }

        connection.AuthorizationJson = flow.AuthorizationJson;
        connection.ProtectedClient = protector.Protect(client, BrokerJsonContext.Default.DownstreamClient);
        connection.ProtectedTokens = protector.Protect(issued.Tokens, BrokerJsonContext.Default.DownstreamTokens);
        connection.AccessTokenExpiresAt = issued.ExpiresAt;
        connection.Scope = issued.Scope ?? authorization.Scope;
        connection.Status = DownstreamConnectionStatus.Connected;
        connection.UpdatedAt = now;
        connection.Version++;
        flow.CompletedAt = now;
        await db.SaveChangesAsync(cancellationToken);
    }

    private LoginPageResult.Failed? Unusable(DownstreamLoginFlow? flow)
    {
        if (flow is null)
        {
            return new LoginPageResult.Failed("This login link is not valid", "Check that the whole link was copied, or ask for a new one by running the request again.", StatusCodes.Status404NotFound);
        }

        if (flow.CompletedAt is not null)
        {
            return new LoginPageResult.Failed("This login link was already used", "The login through it is complete. Run the request again; if a login is still needed, it gives a new link.", StatusCodes.Status410Gone);
        }

        return flow.ExpiresAt <= timeProvider.GetUtcNow()
            ? new LoginPageResult.Failed("This login link has expired", "Login links are short-lived. Run the request again for a new one.", 410)
            : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Downstream login to {ServerUrl} started (client from {ClientSource})")]
    private static partial void LogLoginStarted(ILogger logger, Uri serverUrl, string clientSource);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downstream login to {ServerUrl} completed")]
    private static partial void LogConnected(ILogger logger, Uri serverUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A login to {ServerUrl} was discarded: the app named another of its users than the link's")]
    private static partial void LogVerificationRefused(ILogger logger, Uri serverUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The token endpoint of {ServerUrl} refused the code: {Error}")]
    private static partial void LogExchangeRefused(ILogger logger, Uri serverUrl, string error);
}
