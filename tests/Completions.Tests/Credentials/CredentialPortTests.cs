using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Completions.Tests.Credentials;

public sealed class CredentialPortTests
{
    /// <summary>A credential port whose answers the test sets, recording what it was asked.</summary>
    private sealed class ScriptedCredentials(Func<McpCredentialRequest, McpCredential> answer) : IMcpCredentialProvider
    {
        public ConcurrentQueue<McpCredentialRequest> Requests { get; } = new();

        public ValueTask<McpCredential> GetCredentialAsync(McpCredentialRequest request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request);
            return ValueTask.FromResult(answer(request));
        }
    }

    [Fact]
    public async Task LoginNeeded_ModelIsNotCalled_AndTheAnswerCarriesTheLinks()
    {
        var credentials = new ScriptedCredentials(r => new McpCredential.LoginRequired(new Uri($"https://idp.example/connections/login/{r.UserKey}-abc")));
        await using var h = await CompletionsHarness.StartAsync(services: s => s.AddSingleton<IMcpCredentialProvider>(credentials));
        var body = CompletionsHarness.Body("go", stream: true, h.McpTool());
        body["user"] = "alice";

        var answer = await h.StreamAsync(body);

        Assert.Equal(0, h.Llm.RequestCount);
        Assert.Equal(0, h.Mcp.ListToolsCount);
        Assert.StartsWith("# MCP Server Authentication Required", answer.Content);
        Assert.Contains($"- [Authorize {h.Mcp.Endpoint.Authority}](<https://idp.example/connections/login/alice-abc>)", answer.Content);
        Assert.Contains("After authentication, retry your request.", answer.Content);
        var links = answer.Chunks.Single(c => c["mcp_login_required"] is not null)["mcp_login_required"]!.AsArray();
        Assert.Equal(h.Mcp.Endpoint.AbsoluteUri, (string?)links[0]!["server_url"]);
        Assert.Equal("https://idp.example/connections/login/alice-abc", (string?)links[0]!["url"]);
        Assert.Equal("stop", answer.FinishReasons[^1]);
        Assert.Equal(0, (int)answer.Usage!["total_tokens"]!);

        var asked = Assert.Single(credentials.Requests);
        Assert.Equal("alice", asked.UserKey);
        Assert.Equal(h.Mcp.Endpoint, asked.ServerUrl);
    }

    [Fact]
    public async Task LoginNeeded_NonStreaming_HasTheLinksInTheCompletion()
    {
        var credentials = new ScriptedCredentials(_ => new McpCredential.LoginRequired(new Uri("https://idp.example/login/xyz")));
        await using var h = await CompletionsHarness.StartAsync(services: s => s.AddSingleton<IMcpCredentialProvider>(credentials));

        var completion = await h.CompleteAsync(CompletionsHarness.Body("go", stream: false, h.McpTool()));

        Assert.Equal("https://idp.example/login/xyz", (string?)completion["mcp_login_required"]![0]!["url"]);
        Assert.StartsWith("# MCP Server Authentication Required", (string)completion["choices"]![0]!["message"]!["content"]!);
    }

    [Fact]
    public async Task ProfileFromFrontMatter_ReachesThePort()
    {
        var credentials = new ScriptedCredentials(_ => McpCredential.Anonymous);
        await using var h = await CompletionsHarness.StartAsync(services: s => s.AddSingleton<IMcpCredentialProvider>(credentials));
        h.Llm.Enqueue(LlmReply.Text("ok"));
        var body = CompletionsHarness.Body($"---\nmcp: {h.Mcp.Endpoint}\nprofile: work\n---\nhello", stream: true);

        await h.StreamAsync(body);

        Assert.Equal("work", Assert.Single(credentials.Requests).Profile);
        Assert.Equal("hello", (string?)h.Llm.Requests[0].Messages[0]!["content"]);
        Assert.Contains("mcp_127-0-0-1_echo", h.Llm.Requests[0].ToolNames);
    }

    [Fact]
    public async Task ServerRefusesTheToken_PortIsAskedAgainAndTheRefreshedTokenIsUsed()
    {
        var credentials = new ScriptedCredentials(r => new McpCredential.Ready(r.RejectedAuthorization is null ? "Bearer expired" : "Bearer fresh"));
        await using var h = await CompletionsHarness.StartAsync(
            services: s => s.AddSingleton<IMcpCredentialProvider>(credentials),
            mcpOptions: new TestMcpServerOptions { RequiredBearerToken = "fresh" });
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"auth"}""")), LlmReply.Text("ok"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.DoesNotContain("**Error**", answer.Content);
        Assert.Equal("Bearer fresh", Assert.Single(h.Mcp.Calls).Authorization);
        var second = credentials.Requests.Last();
        Assert.Equal("Bearer expired", second.RejectedAuthorization);
        Assert.StartsWith("Bearer", second.Challenge);
    }

    [Fact]
    public async Task StaticProvider_RequestHeadersGoToThatServerOnly()
    {
        await using var h = await CompletionsHarness.StartAsync(mcpOptions: new TestMcpServerOptions { RequiredBearerToken = "s3cret" });
        await using var other = await TestMcpServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        h.Llm.Enqueue(
            LlmReply.ToolCalls(
                new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"one"}"""),
                new LlmToolCall("c2", "mcp_127-0-0-1-2_echo", """{"text":"two"}""")),
            LlmReply.Text("ok"));
        var secured = h.McpTool();
        secured["headers"] = new JsonObject { ["Authorization"] = "Bearer s3cret" };

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, secured, h.McpTool(other.Endpoint)));

        Assert.DoesNotContain("**Error**", answer.Content);
        Assert.Equal("Bearer s3cret", Assert.Single(h.Mcp.Calls).Authorization);
        Assert.Null(Assert.Single(other.Calls).Authorization);
        Assert.Empty(other.AuthorizationHeaders);
    }

    [Fact]
    public async Task StaticProvider_ConfiguredCredentialIsSent()
    {
        await using var h = await CompletionsHarness.StartAsync(mcpOptions: new TestMcpServerOptions { RequiredBearerToken = "configured" });
        var options = h.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CompletionsOptions>>().Value;
        options.ServerCredentials.Add(new StaticServerCredential { ServerUrl = h.Mcp.Endpoint.AbsoluteUri, Authorization = "Bearer configured" });
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_echo", """{"text":"x"}""")), LlmReply.Text("ok"));

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Equal("Bearer configured", Assert.Single(h.Mcp.Calls).Authorization);
    }

    [Fact]
    public async Task StaticProvider_ServerNeedsALoginItCannotGive_ShowsTheProblem()
    {
        await using var h = await CompletionsHarness.StartAsync(mcpOptions: new TestMcpServerOptions { RequiredBearerToken = "unknown" });
        h.Llm.Enqueue(LlmReply.Text("without that server"));

        var answer = await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        Assert.Contains("requires authentication, and no login broker is configured", answer.Content);
        Assert.EndsWith("without that server", answer.Content);
    }
}
