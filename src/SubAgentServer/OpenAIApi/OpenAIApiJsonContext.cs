using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>The JSON of the <c>/v1</c> endpoints' own wire types.</summary>
[JsonSerializable(typeof(BackgroundCompletion))]
internal sealed partial class OpenAIApiJsonContext : JsonSerializerContext;
