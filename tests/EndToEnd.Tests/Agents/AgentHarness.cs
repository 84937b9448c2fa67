using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.EndToEnd.Tests.Agents;

/// <summary>The server pointed at a scripted LLM, a real downstream MCP server, and a signed-in MCP client.</summary>
internal sealed class AgentHarness : IAsyncDisposable
{
    public const string Email = "agent-user@example.com";
    public const string Password = "Sub-Agents-Run-1";

    private AgentHarness(SubAgentHost host, ScriptedLlmServer llm, TestMcpServer downstream, McpClient client, string accessToken)
    {
        Host = host;
        Llm = llm;
        Downstream = downstream;
        Client = client;
        AccessToken = accessToken;
    }

    public SubAgentHost Host { get; }

    public ScriptedLlmServer Llm { get; }

    public TestMcpServer Downstream { get; }

    public McpClient Client { get; }

    public string AccessToken { get; }

    public static async Task<AgentHarness> StartAsync(Action<IServiceCollection>? services = null, ClientCapabilities? capabilities = null)
    {
        var llm = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        var downstream = await TestMcpServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            ["Completions:DefaultModel"] = "fake-model",
        }, services: services);
        await host.CreateUserAsync(Email, Password);
        using var oauth = new OAuthTestClient(host);
        var (_, tokens) = await oauth.LogInAsync(Email, Password);
        var accessToken = (string)tokens["access_token"]!;
        var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = host.McpUrl,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {accessToken}" },
            }),
            new McpClientOptions { Capabilities = capabilities },
            cancellationToken: TestContext.Current.CancellationToken);
        return new AgentHarness(host, llm, downstream, client, accessToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Host.DisposeAsync();
        await Downstream.DisposeAsync();
        await Llm.DisposeAsync();
    }
}
