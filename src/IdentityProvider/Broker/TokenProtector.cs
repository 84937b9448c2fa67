using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.DataProtection;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>
/// Encrypts the broker's secrets (tokens, client secrets, PKCE verifiers) with Data Protection before they are stored;
/// a singleton of the broker. A database copy without the key ring decrypts none of them.
/// </summary>
/// <param name="provider">The application's Data Protection, whose key ring must outlive the database's rows.</param>
public sealed class TokenProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("McpSubAgent.Broker.v1");

    /// <summary>Serializes <paramref name="value"/> and encrypts it.</summary>
    public string Protect<T>(T value, JsonTypeInfo<T> typeInfo) =>
        _protector.Protect(JsonSerializer.Serialize(value, typeInfo));

    /// <summary>Decrypts and deserializes a value made by <see cref="Protect"/>; throws when the key ring cannot decrypt it.</summary>
    public T Unprotect<T>(string protectedValue, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.Deserialize(_protector.Unprotect(protectedValue), typeInfo)
            ?? throw new JsonException("A protected value decrypted to null.");
}
