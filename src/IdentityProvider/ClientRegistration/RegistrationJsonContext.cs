using System.Text.Json.Serialization;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>Source-generated JSON for the registration wire types, in the snake_case of OAuth.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClientMetadata))]
[JsonSerializable(typeof(ClientRegistrationResponse))]
[JsonSerializable(typeof(ClientRegistrationError))]
[JsonSerializable(typeof(string))]
internal sealed partial class RegistrationJsonContext : JsonSerializerContext;
