using System.Diagnostics.CodeAnalysis;
using System.Net;
using McpSubAgent.Completions.Mcp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// Turns a <c>client_id</c> that is an https URL into an OpenIddict application: fetches the client ID metadata
/// document at that URL, checks that it names itself and that its redirect URIs are allowed, and creates or updates
/// the public client it describes. When anything fails nothing is created, so OpenIddict answers <c>invalid_client</c>.
/// </summary>
internal sealed partial class ClientMetadataDocumentResolver(
    IOpenIddictApplicationManager applications,
    ClientMetadataDocumentFetcher fetcher,
    ClientMetadataDocumentCache cache,
    ClientMetadataValidator validator,
    IOptionsMonitor<ClientRegistrationOptions> options,
    ILogger<ClientMetadataDocumentResolver> logger)
{
    /// <summary>The longest <c>client_id</c> URL accepted (the width of the widened ClientId column).</summary>
    public const int MaxClientIdLength = 2_000;

    /// <summary>
    /// Whether <paramref name="clientId"/> looks like a metadata document URL at all: absolute https, or http when
    /// <paramref name="allowLoopback"/>. Other client ids are left to OpenIddict untouched.
    /// </summary>
    public static bool IsCandidate([NotNullWhen(true)] string? clientId, bool allowLoopback) =>
        clientId is not null
        && (clientId.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            || (allowLoopback && clientId.StartsWith("http://", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Makes sure the application for <paramref name="clientId"/> reflects its metadata document, fetching it unless a
    /// fresh copy was applied already. Returns whether the application can be used.
    /// </summary>
    public async Task<bool> ResolveAsync(string clientId, Uri mcpResource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(mcpResource);
        if (cache.IsFresh(clientId))
        {
            return true;
        }

        var settings = options.CurrentValue;
        if (!TryParseClientIdUrl(clientId, settings.AllowLoopbackMetadataDocuments, out var url, out var reason))
        {
            var printable = Printable(clientId);
            LogRefused(logger, printable, reason);
            return false;
        }

        var existing = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (existing is not null && await ClientOrigin.GetAsync(applications, existing, cancellationToken) != ClientOrigin.MetadataDocument)
        {
            // A client the operator configured (or registered otherwise) under this URL is used as it is, never overwritten.
            return true;
        }

        var document = await fetcher.FetchAsync(url, cancellationToken);
        if (document is null)
        {
            return false;
        }

        if (!string.Equals(document.Metadata.ClientId, clientId, StringComparison.Ordinal))
        {
            var named = Printable(document.Metadata.ClientId);
            LogClientIdMismatch(logger, clientId, named);
            return false;
        }

        if (!validator.TryValidate(document.Metadata, isMetadataDocument: true, out var client, out var error))
        {
            LogInvalidMetadata(logger, clientId, error.Error, error.ErrorDescription);
            return false;
        }

        var descriptor = client.ToDescriptor(clientId, clientSecret: null, mcpResource, ClientOrigin.MetadataDocument);
        if (!await cache.WriteAsync(() => SaveAsync(descriptor, cancellationToken), cancellationToken))
        {
            return false;
        }

        cache.Remember(clientId, document.CacheDuration);
        return true;
    }

    private async Task<bool> SaveAsync(OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        var clientId = descriptor.ClientId!;
        try
        {
            // Looked up again under the lock: another request may have created it since.
            var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
            if (application is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
                LogCreated(logger, clientId, descriptor.DisplayName ?? "");
                return true;
            }

            if (await ClientOrigin.GetAsync(applications, application, cancellationToken) != ClientOrigin.MetadataDocument)
            {
                return true;
            }

            var current = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(current, application, cancellationToken);
            if (!SameRegistration(current, descriptor))
            {
                await applications.UpdateAsync(application, descriptor, cancellationToken);
                LogUpdated(logger, clientId, descriptor.DisplayName ?? "");
            }

            return true;
        }
        catch (OpenIddictExceptions.ValidationException e)
        {
            var description = string.Join(" ", e.Results.Select(result => result.ErrorMessage));
            LogRefused(logger, clientId, description);
            return false;
        }
        catch (OpenIddictExceptions.ConcurrencyException e)
        {
            LogRefused(logger, clientId, e.Message);
            return false;
        }
    }

    /// <summary>The rules for a <c>client_id</c> URL of the metadata document draft, and the guard against server-side request forgery for IP literals.</summary>
    private static bool TryParseClientIdUrl(
        string clientId, bool allowLoopback, [NotNullWhen(true)] out Uri? url, [NotNullWhen(false)] out string? reason)
    {
        url = null;
        reason = clientId.Length > MaxClientIdLength ? $"it is longer than {MaxClientIdLength} characters"
            : clientId.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? "it contains white space or control characters"
            : !Uri.TryCreate(clientId, UriKind.Absolute, out var parsed) ? "it is not an absolute URL"
            : parsed.Scheme != Uri.UriSchemeHttps && !(allowLoopback && parsed.Scheme == Uri.UriSchemeHttp) ? "it is not an https URL"
            : clientId.Contains('#', StringComparison.Ordinal) ? "it has a fragment"
            : parsed.UserInfo.Length > 0 ? "it carries user information"
            : parsed.AbsolutePath is "" or "/" ? "it has no path"
            : HasDotSegment(clientId) ? "its path has . or .. segments"
            : !allowLoopback && IsNonPublicAddress(parsed) ? "its host is a loopback, private or reserved address"
            : null;
        if (reason is not null)
        {
            return false;
        }

        url = new Uri(clientId, UriKind.Absolute);
        return true;
    }

    private static bool HasDotSegment(string clientId)
    {
        var path = clientId.Split('?', 2)[0];
        return path.Contains("/./", StringComparison.Ordinal) || path.Contains("/../", StringComparison.Ordinal)
            || path.EndsWith("/.", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal);
    }

    // Host names are checked where it matters, on connect (ServerUrlGuard); an IP literal can be refused before any socket.
    private static bool IsNonPublicAddress(Uri url) =>
        url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
        && IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var address)
        && !PublicAddressGuard.IsPublic(address);

    // Client ids and documents come from anyone: control characters would let them forge log lines.
    private static string Printable(string? value) =>
        value is null ? "(none)" : new string([.. value.Take(MaxClientIdLength).Select(c => char.IsControl(c) ? '?' : c)]);

    private static bool SameRegistration(OpenIddictApplicationDescriptor current, OpenIddictApplicationDescriptor wanted) =>
        current.DisplayName == wanted.DisplayName
        && current.ApplicationType == wanted.ApplicationType
        && current.ClientType == wanted.ClientType
        && current.ConsentType == wanted.ConsentType
        && current.RedirectUris.Select(uri => uri.OriginalString).ToHashSet(StringComparer.Ordinal)
            .SetEquals(wanted.RedirectUris.Select(uri => uri.OriginalString))
        && current.Permissions.SetEquals(wanted.Permissions)
        && current.Requirements.SetEquals(wanted.Requirements)
        && current.Properties.Count == wanted.Properties.Count
        && current.Properties.All(property => wanted.Properties.TryGetValue(property.Key, out var value)
            && value.GetRawText() == property.Value.GetRawText());

    [LoggerMessage(EventId = 4121, Level = LogLevel.Information, Message = "The client_id {ClientId} was not resolved from its metadata document: {Reason}")]
    private static partial void LogRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 4124, Level = LogLevel.Information, Message = "The client_id {ClientId} was not resolved from its metadata document: the document names the client_id {NamedClientId}, not its own URL")]
    private static partial void LogClientIdMismatch(ILogger logger, string clientId, string? namedClientId);

    [LoggerMessage(EventId = 4125, Level = LogLevel.Information, Message = "The client_id {ClientId} was not resolved from its metadata document: {Error}: {Description}")]
    private static partial void LogInvalidMetadata(ILogger logger, string clientId, string error, string description);

    [LoggerMessage(EventId = 4122, Level = LogLevel.Information, Message = "Created client {ClientId} ({ClientName}) from its metadata document")]
    private static partial void LogCreated(ILogger logger, string clientId, string clientName);

    [LoggerMessage(EventId = 4123, Level = LogLevel.Information, Message = "Updated client {ClientId} ({ClientName}) from its metadata document")]
    private static partial void LogUpdated(ILogger logger, string clientId, string clientName);
}
