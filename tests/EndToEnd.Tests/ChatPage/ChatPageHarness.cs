using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;

namespace McpSubAgent.EndToEnd.Tests.ChatPage;

/// <summary>
/// The server with the chat page, pointed at a scripted LLM, with an open MCP server (the SDK test server, with
/// <c>echo</c>) and a login-gated one: a second instance of our own server, whose <c>/mcp</c> needs a login at its own
/// identity provider.
/// </summary>
internal sealed class ChatPageHarness : IAsyncDisposable
{
    public const string Password = "Chat-Page-Person-1";

    public const string DefaultModel = "fake-model-2";

    private ChatPageHarness(SubAgentHost main, SubAgentHost downstream, TestMcpServer open, ScriptedLlmServer llm)
    {
        Main = main;
        Downstream = downstream;
        Open = open;
        Llm = llm;
    }

    public SubAgentHost Main { get; }

    public SubAgentHost Downstream { get; }

    public TestMcpServer Open { get; }

    public ScriptedLlmServer Llm { get; }

    /// <summary>
    /// The main server as the browser addresses it: <c>localhost</c>, while the downstream is <c>127.0.0.1</c>. Cookies
    /// ignore ports, so two servers on one host name would overwrite each other's session cookie in one browser.
    /// </summary>
    public Uri BrowserBaseUrl => new UriBuilder(Main.BaseUrl) { Host = "localhost" }.Uri;

    public static async Task<ChatPageHarness> StartAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        var open = await TestMcpServer.StartAsync(cancellationToken: cancellationToken);
        var downstream = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?>
        {
            // Our broker's client id is its metadata document on loopback http.
            ["IdentityProvider:Registration:AllowLoopbackMetadataDocuments"] = "true",
        });
        var main = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            // The second model the fake LLM lists: the page must preselect the default, not the first one listed.
            ["Completions:DefaultModel"] = DefaultModel,
            ["Completions:UpstreamMaxRetries"] = "0",
        });
        return new ChatPageHarness(main, downstream, open, llm);
    }

    public async ValueTask DisposeAsync()
    {
        await Main.DisposeAsync();
        await Downstream.DisposeAsync();
        await Open.DisposeAsync();
        await Llm.DisposeAsync();
    }
}
