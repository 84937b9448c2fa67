using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// Which redirect URIs a client may register: https on any host, http on loopback only (any port, RFC 8252 section
/// 7.3), and the allowed private-use schemes of desktop clients. No fragments, no user info, nothing relative.
/// Both registration paths (dynamic registration and client ID metadata documents) apply it.
/// </summary>
/// <param name="allowedCustomSchemes">
/// The private-use schemes accepted (<see cref="ClientRegistrationOptions.AllowedCustomSchemes"/>); schemes a browser
/// runs or reads locally (<c>javascript</c>, <c>data</c>, <c>file</c>, ...) are refused even when listed.
/// </param>
public sealed class RedirectUriPolicy(IEnumerable<string> allowedCustomSchemes)
{
    /// <summary>The longest redirect URI accepted.</summary>
    public const int MaxLength = 2_000;

    // Schemes that a browser runs, reads locally or treats as opaque content: never a redirect target.
    private static readonly HashSet<string> ForbiddenSchemes = new(StringComparer.OrdinalIgnoreCase)
    {
        "javascript", "data", "file", "vbscript", "blob", "about", "filesystem", "view-source", "jar", "ftp", "ws", "wss",
    };

    private readonly HashSet<string> _customSchemes = new(
        allowedCustomSchemes.Select(s => s.Trim()).Where(s => s.Length > 0 && !ForbiddenSchemes.Contains(s)),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="value"/> may be registered; otherwise <paramref name="reason"/> says why not.</summary>
    public bool IsAllowed([NotNullWhen(true)] string? value, [NotNullWhen(false)] out string? reason)
    {
        reason = Refusal(value);
        return reason is null;
    }

    /// <summary>Whether a registered redirect URI makes its client a native application (loopback http or a private-use scheme).</summary>
    public static bool IsNative(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return IsLoopbackHttp(uri) || !(IsScheme(uri, Uri.UriSchemeHttps) || IsScheme(uri, Uri.UriSchemeHttp));
    }

    /// <summary>Whether <paramref name="uri"/> is an http URI on localhost, 127.0.0.0/8 or [::1].</summary>
    public static bool IsLoopbackHttp(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsAbsoluteUri && IsScheme(uri, Uri.UriSchemeHttp) && IsLoopbackHost(uri);
    }

    private string? Refusal(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "A redirect URI is empty.";
        }

        if (value.Length > MaxLength)
        {
            return $"A redirect URI is longer than {MaxLength} characters.";
        }

        if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"The redirect URI '{value}' contains white space or control characters.";
        }

        if (value.Contains('#', StringComparison.Ordinal))
        {
            return $"The redirect URI '{value}' has a fragment, which RFC 6749 forbids.";
        }

        // Uri.TryCreate reads "/cb" as file:///cb on Unix and "\\host\cb" as a UNC path: the text itself must start with its scheme.
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || !value.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase))
        {
            return $"The redirect URI '{value}' is not an absolute URI.";
        }

        if (ForbiddenSchemes.Contains(uri.Scheme))
        {
            return $"The redirect URI '{value}' uses the {uri.Scheme}: scheme, which is never allowed.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return $"The redirect URI '{value}' carries user information.";
        }

        if (HasIssuerParameter(uri))
        {
            return $"The redirect URI '{value}' has an 'iss' query parameter, which would allow issuer mix-up.";
        }

        if (IsScheme(uri, Uri.UriSchemeHttps))
        {
            return uri.Host.Length > 0 ? null : $"The redirect URI '{value}' has no host.";
        }

        if (IsScheme(uri, Uri.UriSchemeHttp))
        {
            return IsLoopbackHost(uri)
                ? null
                : $"The redirect URI '{value}' uses http on a host other than localhost, 127.0.0.1 or [::1]; use https.";
        }

        if (!_customSchemes.Contains(uri.Scheme))
        {
            return $"The redirect URI '{value}' uses the {uri.Scheme}: scheme, which is not among the allowed private-use schemes.";
        }

        return value.Length > uri.Scheme.Length + 1 ? null : $"The redirect URI '{value}' has nothing after its scheme.";
    }

    private static bool IsScheme(Uri uri, string scheme) => string.Equals(uri.Scheme, scheme, StringComparison.OrdinalIgnoreCase);

    private static bool IsLoopbackHost(Uri uri)
    {
        if (string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
            && IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address)
            && IPAddress.IsLoopback(address);
    }

    private static bool HasIssuerParameter(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        return query.Length > 0 && query.Split('&').Any(pair =>
            string.Equals(Uri.UnescapeDataString(pair.Split('=', 2)[0]), "iss", StringComparison.Ordinal));
    }
}
