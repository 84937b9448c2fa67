using System.Text.Json.Serialization;

namespace McpSubAgent.IdentityProvider.Throttling;

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ThrottlingJsonContext : JsonSerializerContext;
