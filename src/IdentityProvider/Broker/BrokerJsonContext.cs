using System.Text.Json.Serialization;
using McpSubAgent.IdentityProvider.Broker.Discovery;
using McpSubAgent.IdentityProvider.Broker.Links;
using McpSubAgent.IdentityProvider.Broker.DownstreamRegistration;
using McpSubAgent.IdentityProvider.Broker.Tokens;
using McpSubAgent.IdentityProvider.Broker.Webhooks;
using ModelContextProtocol.Authentication;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>Source-generated JSON for the broker's wire types and stored records, in the snake_case of OAuth.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DownstreamResourceMetadata))]
[JsonSerializable(typeof(DownstreamServerMetadata))]
[JsonSerializable(typeof(DownstreamAuthorization))]
[JsonSerializable(typeof(DownstreamClient))]
[JsonSerializable(typeof(DynamicRegistrationRequest))]
[JsonSerializable(typeof(DynamicClientRegistrationResponse))]
[JsonSerializable(typeof(ClientMetadataDocument))]
[JsonSerializable(typeof(PendingAuthorization))]
[JsonSerializable(typeof(PendingVerification))]
[JsonSerializable(typeof(VerificationAnswer))]
[JsonSerializable(typeof(DownstreamTokens))]
[JsonSerializable(typeof(TokenEndpointResponse))]
[JsonSerializable(typeof(LoginWebhookPayload))]
internal sealed partial class BrokerJsonContext : JsonSerializerContext;
