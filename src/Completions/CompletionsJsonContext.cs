using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace McpSubAgent.Completions;

[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class CompletionsJsonContext : JsonSerializerContext;
