using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>Apps with client credentials from <c>clients add</c>, acting for their end users through OpenAI's <c>user</c> field.</summary>
public sealed class ClientCredentialsTests
{
    [Fact]
    public async Task AppWithUser_LoginLinkBelongsToThatEndUser_AndAfterTheLoginTheToolRuns()
    {
        var gate = new UserKeyLoginGate();
        await using var h = await OpenAIApiHarness.StartAsync(services: s => s.AddSingleton<IMcpCredentialProvider>(gate));
        var (clientId, secret) = await h.AddAppAsync("Billing app");
        var token = await h.AppTokenAsync(clientId, secret);
        var body = h.Body("Echo for me.");
        body["user"] = "alice";

        using var first = await h.PostAsync(token, body);
        var needsLogin = await OpenAIApiHarness.JsonAsync(first);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var link = Assert.Single(Assert.IsType<JsonArray>(needsLogin["mcp_login_required"]));
        Assert.Equal(UserKeyLoginGate.LoginUrl($"{clientId}:alice").AbsoluteUri, (string?)link!["url"]);
        Assert.Contains("Authentication Required", (string?)needsLogin["choices"]![0]!["message"]!["content"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, h.Llm.RequestCount);
        Assert.Equal([$"{clientId}:alice"], gate.AskedUserKeys.Distinct());

        gate.LogIn($"{clientId}:alice");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, """{"text":"alice's"}""")), LlmReply.Text("Done for Alice."));
        using var second = await h.PostAsync(token, body);
        var answer = await OpenAIApiHarness.JsonAsync(second);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.EndsWith("Done for Alice.", (string?)answer["choices"]![0]!["message"]!["content"], StringComparison.Ordinal);
        Assert.Null(answer["mcp_login_required"]);

        // Bob, another end user of the same app, has his own logins.
        body["user"] = "bob";
        using var bob = await h.PostAsync(token, body);
        Assert.Equal(UserKeyLoginGate.LoginUrl($"{clientId}:bob").AbsoluteUri, (string?)(await OpenAIApiHarness.JsonAsync(bob))["mcp_login_required"]![0]!["url"]);
    }

    [Fact]
    public async Task AppWithoutUser_RunThatNeedsALogin_GetsAClearError()
    {
        var gate = new UserKeyLoginGate();
        await using var h = await OpenAIApiHarness.StartAsync(services: s => s.AddSingleton<IMcpCredentialProvider>(gate));
        var (clientId, secret) = await h.AddAppAsync("App without users");
        var token = await h.AppTokenAsync(clientId, secret);

        using var plain = await h.PostAsync(token, h.Body("Echo."));
        var error = await OpenAIApiHarness.AssertErrorAsync(plain, HttpStatusCode.BadRequest);
        Assert.Equal("user", (string?)error["param"]);
        Assert.Equal("user_required", (string?)error["code"]);
        Assert.Contains("'user' field", (string?)error["message"], StringComparison.Ordinal);

        // Even when the request asks to wait for the login: the link would go to the whole app.
        var stream = h.Body("Echo.", stream: true);
        stream["mcp_wait_for_login"] = 60;
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var streamed = await h.PostAsync(token, stream);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
        Assert.Equal("user_required", (string?)(await OpenAIApiHarness.AssertErrorAsync(streamed, HttpStatusCode.BadRequest))["code"]);
        Assert.Equal(0, h.Llm.RequestCount);

        // A request that needs no login works without a user, with the app's own key.
        h.Llm.Enqueue(LlmReply.Text("No tools needed."));
        ChatCompletion completion = await h.Chat(token).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("No tools needed.", completion.Content[0].Text);
    }

    [Fact]
    public async Task ClientsCommand_AddListRemove_RemovedAppsTokenStopsWorking()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var (clientId, secret) = await h.AddAppAsync("Reporting");
        Assert.StartsWith("app_", clientId, StringComparison.Ordinal);
        Assert.True(secret.Length >= 40, secret);
        var token = await h.AppTokenAsync(clientId, secret);
        h.Llm.Enqueue(LlmReply.Text("hello app"));
        ChatCompletion completion = await h.Chat(token).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("hello app", completion.Content[0].Text);

        var (listed, output, _) = await ServerProcess.RunCommandAsync(h.Host.Database, ["clients", "list"]);
        Assert.Equal(0, listed);
        Assert.Contains($"{clientId}\tReporting", output, StringComparison.Ordinal);
        Assert.Equal(0, (await ServerProcess.RunCommandAsync(h.Host.Database, ["clients", "remove", clientId])).ExitCode);
        Assert.Equal(1, (await ServerProcess.RunCommandAsync(h.Host.Database, ["clients", "remove", clientId])).ExitCode);
        Assert.Equal(2, (await ServerProcess.RunCommandAsync(h.Host.Database, ["clients", "frobnicate"])).ExitCode);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() =>
            h.Chat(token).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(401, ex.Status);
    }
}
