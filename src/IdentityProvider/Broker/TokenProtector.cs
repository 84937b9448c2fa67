using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.DataProtection;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>Encrypts the broker's secrets (tokens, client secrets, PKCE verifiers) with Data Protection before they are stored.</summary>
internal sealed class TokenProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("McpSubAgent.Broker.v1");

    public string Protect<T>(T value, JsonTypeInfo<T> typeInfo) =>
        _protector.Protect(JsonSerializer.Serialize(value, typeInfo));

    public T Unprotect<T>(string protectedValue, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.Deserialize(_protector.Unprotect(protectedValue), typeInfo)
            ?? throw new JsonException("A protected value decrypted to null.");
}
