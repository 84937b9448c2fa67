using McpSubAgent.Completions;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>What the page needs to know of the server's settings: the model a request without one runs on.</summary>
internal sealed record PageSettingsView(string DefaultModel)
{
    public static PageSettingsView From(CompletionsOptions completions) => new(completions.DefaultModel);
}
