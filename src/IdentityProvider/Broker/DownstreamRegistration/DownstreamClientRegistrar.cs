using System.Net;
using System.Security.Cryptography;
using System.Text;
using McpSubAgent.IdentityProvider.Broker.Discovery;
using McpSubAgent.IdentityProvider.Broker.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Authentication;

namespace McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;

/// <summary>
/// Gives the client to log in with at a downstream authorization server, in this order: a client pre-registered in
/// configuration for the server's host; our client ID metadata document where the server supports it; dynamic
/// registration (RFC 7591), done once per authorization server and callback and kept, and done again after the server
/// forgot it (<c>invalid_client</c>).
/// </summary>
internal sealed class DownstreamClientRegistrar(
    IDownstreamConnectionContext db,
    BrokerHttp http,
    BrokerOrigin origin,
    TokenProtector protector,
    IOptions<BrokerOptions> options,
    TimeProvider timeProvider)
{
    private static readonly string[] ConfidentialMethods = ["client_secret_basic", "client_secret_post"];

    public async Task<DownstreamClient> GetClientAsync(Uri serverUrl, DownstreamAuthorization authorization, CancellationToken cancellationToken)
    {
        if (FindPreRegistered(serverUrl, authorization) is { } configured)
        {
            return configured;
        }

        var redirectUri = origin.CallbackUri.AbsoluteUri;
        var metadataDocument = origin.ClientMetadataUri;

        // Authorization servers fetch metadata documents over https only (plain http on loopback for local setups).
        if (authorization.ClientIdMetadataDocumentSupported
            && (metadataDocument.Scheme == Uri.UriSchemeHttps || metadataDocument.IsLoopback))
        {
            return new DownstreamClient(metadataDocument.AbsoluteUri, null, "none", DownstreamClient.MetadataDocument);
        }

        if (authorization.RegistrationEndpoint is null)
        {
            throw new DownstreamAuthorizationException(
                $"The authorization server {authorization.Issuer} offers neither dynamic client registration nor client ID " +
                $"metadata documents; register a client there with the redirect URI {redirectUri} and configure it under " +
                $"Broker:PreRegisteredClients:{serverUrl.Host}.");
        }

        var id = RegistrationId(authorization.Issuer, redirectUri);
        var now = timeProvider.GetUtcNow();
        var kept = await db.DownstreamClientRegistrations.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (kept is not null && (kept.ExpiresAt is null || kept.ExpiresAt > now))
        {
            return protector.Unprotect(kept.ProtectedClient, BrokerJsonContext.Default.DownstreamClient);
        }

        var client = await RegisterAsync(authorization, redirectUri, cancellationToken);
        var registration = new DownstreamClientRegistration
        {
            Id = id,
            Issuer = authorization.Issuer,
            RedirectUri = redirectUri,
            ProtectedClient = protector.Protect(client.Client, BrokerJsonContext.Default.DownstreamClient),
            CreatedAt = now,
            ExpiresAt = client.ExpiresAt,
        };
        await db.DownstreamClientRegistrations.Where(r => r.Id == id).ExecuteDeleteAsync(cancellationToken);
        db.DownstreamClientRegistrations.Add(registration);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another replica registered at the same moment; either client works, and the next login uses the kept one.
        }

        return client.Client;
    }

    /// <summary>Drops a dynamically registered client the server no longer knows, so that the next login registers again.</summary>
    public async Task ForgetAsync(DownstreamAuthorization authorization, DownstreamClient client, CancellationToken cancellationToken)
    {
        if (client.Source == DownstreamClient.Dynamic)
        {
            var id = RegistrationId(authorization.Issuer, origin.CallbackUri.AbsoluteUri);
            await db.DownstreamClientRegistrations.Where(r => r.Id == id).ExecuteDeleteAsync(cancellationToken);
        }
    }

    private DownstreamClient? FindPreRegistered(Uri serverUrl, DownstreamAuthorization authorization)
    {
        var clients = options.Value.PreRegisteredClients;
        var issuerHost = Uri.TryCreate(authorization.Issuer, UriKind.Absolute, out var issuer) ? issuer.Host : null;
        if (!clients.TryGetValue(serverUrl.Host, out var client) && (issuerHost is null || !clients.TryGetValue(issuerHost, out client)))
        {
            return null;
        }

        var method = client.TokenEndpointAuthMethod ?? (string.IsNullOrEmpty(client.ClientSecret) ? "none" : "client_secret_basic");
        return new DownstreamClient(client.ClientId, client.ClientSecret, method, DownstreamClient.PreRegistered);
    }

    private async Task<(DownstreamClient Client, DateTimeOffset? ExpiresAt)> RegisterAsync(
        DownstreamAuthorization authorization, string redirectUri, CancellationToken cancellationToken)
    {
        // A confidential client where the server offers one: a stolen code is then useless without our secret too.
        var method = ConfidentialMethods.FirstOrDefault(m => authorization.TokenEndpointAuthMethods.Contains(m, StringComparer.Ordinal)) ?? "none";
        var body = new DynamicRegistrationRequest(
            options.Value.ClientName,
            [redirectUri],
            ["authorization_code", "refresh_token"],
            ["code"],
            method,
            origin.BaseUri.AbsoluteUri,
            authorization.Scope);
        using var request = new HttpRequestMessage(HttpMethod.Post, authorization.RegistrationEndpoint)
        {
            Content = BrokerHttp.Json(body, BrokerJsonContext.Default.DynamicRegistrationRequest),
        };
        request.Headers.Accept.ParseAdd("application/json");
        var (status, response) = await http.PostAsync(request, BrokerJsonContext.Default.DynamicClientRegistrationResponse, cancellationToken);
        if (status is not (HttpStatusCode.Created or HttpStatusCode.OK) || string.IsNullOrEmpty(response?.ClientId))
        {
            throw new DownstreamAuthorizationException(
                $"The authorization server {authorization.Issuer} refused our client registration (HTTP {(int)status}).");
        }

        var granted = response.TokenEndpointAuthMethod
            ?? (string.IsNullOrEmpty(response.ClientSecret) ? "none" : "client_secret_basic");
        DateTimeOffset? expiresAt = response.ClientSecretExpiresAt is > 0 ? DateTimeOffset.FromUnixTimeSeconds(response.ClientSecretExpiresAt.Value) : null;
        return (new DownstreamClient(response.ClientId, response.ClientSecret, granted, DownstreamClient.Dynamic), expiresAt);
    }

    private static string RegistrationId(string issuer, string redirectUri) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{issuer}\n{redirectUri}")));
}
