using System.Text.Json.Serialization;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>The JSON of the chat page's own API, in snake_case like the <c>/v1</c> endpoints it sits beside.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServerView))]
[JsonSerializable(typeof(IReadOnlyList<ServerView>))]
[JsonSerializable(typeof(ServerInput))]
[JsonSerializable(typeof(ServerStatusView))]
[JsonSerializable(typeof(ConversationSummary))]
[JsonSerializable(typeof(IReadOnlyList<ConversationSummary>))]
[JsonSerializable(typeof(ConversationView))]
[JsonSerializable(typeof(ConversationInput))]
[JsonSerializable(typeof(PageSettingsView))]
internal sealed partial class ChatPageJsonContext : JsonSerializerContext;
