using System.Security.Cryptography;
using System.Text;

namespace McpSubAgent.IdentityProvider.Webhooks;

/// <summary>
/// How the server signs its webhooks (the login and the approval webhook): an HMAC-SHA256 of <c>{timestamp}.{body}</c>
/// with the webhook's secret, sent as <c>sha256={hex}</c> in <see cref="SignatureHeader"/>, the Unix timestamp in
/// <see cref="TimestampHeader"/>. Receivers recompute it with <see cref="Sign"/> and refuse old timestamps.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The header holding <c>sha256={hex}</c>.</summary>
    public const string SignatureHeader = "X-McpSubAgent-Signature";

    /// <summary>The header holding the time of sending, in seconds since the Unix epoch.</summary>
    public const string TimestampHeader = "X-McpSubAgent-Timestamp";

    /// <summary>The signature of a webhook body, as receivers recompute it.</summary>
    /// <param name="secret">The webhook's secret.</param>
    /// <param name="timestamp">The value of <see cref="TimestampHeader"/>.</param>
    /// <param name="body">The request body, byte for byte.</param>
    public static string Sign(string secret, string timestamp, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(body);
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
