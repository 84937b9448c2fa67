using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace McpSubAgent.IdentityProvider.Throttling;

/// <summary>The client id and secret of an HTTP Basic <c>Authorization</c> header (RFC 6749 2.3.1: both form-encoded).</summary>
internal static class BasicCredentials
{
    public static (string ClientId, string Secret)? Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is not { } parameter)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon <= 0 ? null : (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
        }
        catch (FormatException)
        {
            // Not Base64: refused by whoever checks the credentials.
            return null;
        }
    }
}
