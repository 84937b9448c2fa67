namespace McpSubAgent.IdentityProvider.Keys;

/// <summary>
/// A signing or encryption key of the authorization server, created once and kept in the database (its private part
/// protected with Data Protection), so that tokens stay valid across restarts and replicas.
/// </summary>
public sealed class IdentityProviderKey
{
    /// <summary>The key id (<c>kid</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary><c>sig</c> or <c>enc</c>.</summary>
    public string Use { get; set; } = "";

    /// <summary>The RSA private key as PKCS#8, protected with Data Protection, base64.</summary>
    public string ProtectedKey { get; set; } = "";

    /// <summary>When the key was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
