using System.Text.Json;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.IdentityProvider.Broker.Discovery;
using McpSubAgent.IdentityProvider.Broker.Storage;
using McpSubAgent.IdentityProvider.Broker.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>
/// The signed-in user's downstream connections for the connections page: status, tools (listed live with the user's
/// own token, as a run would), last use, and revocation, which deletes the tokens here and revokes them at the server
/// where it offers revocation.
/// </summary>
internal sealed partial class ConnectionsOverview(
    IDownstreamConnectionContext db,
    DownstreamCredentials credentials,
    DownstreamTokenClient tokenClient,
    TokenProtector protector,
    McpServerProbe probe,
    ILogger<ConnectionsOverview> logger)
{
    private static readonly TimeSpan ToolListTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<ConnectionView>> ListAsync(string userKey, CancellationToken cancellationToken)
    {
        var connections = await db.DownstreamConnections.AsNoTracking()
            .Where(c => c.UserKey == userKey)
            .ToListAsync(cancellationToken);
        var views = new List<ConnectionView>();
        foreach (var connection in connections.OrderBy(c => c.ServerUrl, StringComparer.Ordinal).ThenBy(c => c.Profile, StringComparer.Ordinal))
        {
            views.Add(await DescribeAsync(connection, cancellationToken));
        }

        return views;
    }

    /// <summary>Deletes one of the user's connections; false when the user has no connection with that id.</summary>
    public async Task<bool> RevokeAsync(string userKey, string id, CancellationToken cancellationToken)
    {
        var connection = await db.DownstreamConnections.FirstOrDefaultAsync(c => c.Id == id && c.UserKey == userKey, cancellationToken);
        if (connection is null)
        {
            return false;
        }

        if (connection.ProtectedTokens is not null)
        {
            var tokens = protector.Unprotect(connection.ProtectedTokens, BrokerJsonContext.Default.DownstreamTokens);
            var authorization = JsonSerializer.Deserialize(connection.AuthorizationJson, BrokerJsonContext.Default.DownstreamAuthorization)!;
            var client = protector.Unprotect(connection.ProtectedClient, BrokerJsonContext.Default.DownstreamClient);
            try
            {
                // The refresh token first: revoking it ends the whole grant at most servers.
                if (tokens.RefreshToken is not null)
                {
                    await tokenClient.RevokeAsync(authorization, client, tokens.RefreshToken, "refresh_token", cancellationToken);
                }

                await tokenClient.RevokeAsync(authorization, client, tokens.AccessToken, "access_token", cancellationToken);
            }
            catch (DownstreamAuthorizationException ex)
            {
                // The tokens are deleted here all the same; the server's copy expires on its own.
                LogRevocationFailed(logger, new Uri(connection.ServerUrl), ex);
            }
        }

        db.DownstreamConnections.Remove(connection);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private async Task<ConnectionView> DescribeAsync(DownstreamConnection connection, CancellationToken cancellationToken)
    {
        var serverUrl = new Uri(connection.ServerUrl);
        var profile = connection.Profile.Length == 0 ? null : connection.Profile;
        var credential = await credentials.GetAsync(
            new McpCredentialRequest(connection.UserKey, profile, serverUrl, new Dictionary<string, string>()), notify: false, cancellationToken);
        switch (credential)
        {
            case McpCredential.LoginRequired login:
                return new ConnectionView(connection.Id, serverUrl, connection.Profile, false, connection.LastUsedAt, null, null, login.LoginUrl);
            case McpCredential.Unavailable unavailable:
                return new ConnectionView(connection.Id, serverUrl, connection.Profile, true, connection.LastUsedAt, null, unavailable.Reason, null);
        }

        var authorization = ((McpCredential.Ready)credential).Authorization;
        try
        {
            // The engine's SSRF guard applies: the page must reach no more than a run could.
            var tools = await probe.ListToolsAsync(serverUrl, authorization, ToolListTimeout, cancellationToken);
            return new ConnectionView(connection.Id, serverUrl, connection.Profile, true, connection.LastUsedAt,
                [.. tools.Select(t => t.Name).Order(StringComparer.Ordinal)], null, null);
        }
        catch (McpServerUnavailableException ex)
        {
            LogToolListFailed(logger, serverUrl, ex);
            return new ConnectionView(connection.Id, serverUrl, connection.Profile, true, connection.LastUsedAt, null,
                $"The tools could not be listed: {ex.Message}", null);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revoking the tokens of {ServerUrl} at the server failed")]
    private static partial void LogRevocationFailed(ILogger logger, Uri serverUrl, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listing the tools of {ServerUrl} for the connections page failed")]
    private static partial void LogToolListFailed(ILogger logger, Uri serverUrl, Exception exception);
}
