using System.Security.Cryptography;
using System.Text;

namespace McpSubAgent.IdentityProvider.Broker.Storage;

/// <summary>Hashes for the broker's tables: the key of a (user, profile, server) connection, and the stored form of secrets looked up by value.</summary>
public static class ConnectionKey
{
    /// <summary>The key of <see cref="DownstreamConnection"/> rows: a hash of the user, the profile and the server's URL.</summary>
    public static string For(string userKey, string? profile, Uri serverUrl) =>
        Hash($"{userKey}\n{profile ?? ""}\n{serverUrl.AbsoluteUri}");

    /// <summary>A link or state is stored only as its hash: a copy of the database opens nothing.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>A new secret of 32 random bytes, URL-safe (43 characters).</summary>
    public static string NewSecret() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
