using McpSubAgent.Completions.Credentials;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

public sealed class AgentTaskLoginTests
{
    [Fact]
    public async Task ServerNeedsALogin_TaskWaitsWithLinks_ThenResumesByItselfAfterTheLogin()
    {
        var credentials = new LoginGateCredentials();
        await using var harness = await TaskTestHost.StartAsync(
            new Dictionary<string, string?> { ["Tasks:AuthRetryInterval"] = "00:00:01" },
            services => services.AddSingleton<IMcpCredentialProvider>(credentials));
        var client = await harness.SignInAsync("tasks-login@example.com");
        harness.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", TaskTestHost.EchoTool, """{"text":"after login"}""")),
            LlmReply.Text("Logged in and done."));
        var started = await harness.StartTaskAsync(client, "Use my server.");
        var id = started.GetProperty("task_id").GetString()!;

        var waiting = await TaskTestHost.WaitForStatusAsync(client, id, "auth_required");
        var link = Assert.Single(waiting.GetProperty("login_links").EnumerateArray());
        Assert.Equal(LoginGateCredentials.LoginUrl.AbsoluteUri, link.GetProperty("url").GetString());
        Assert.Equal(harness.Downstream.Endpoint.AbsoluteUri, link.GetProperty("server_url").GetString());
        using var http = new HttpClient();
        var page = await http.GetStringAsync(started.GetProperty("result_url").GetString(), TestContext.Current.CancellationToken);
        // The public page says what the task waits for, but the link itself goes only to the owner.
        Assert.DoesNotContain(LoginGateCredentials.LoginUrl.AbsoluteUri, page, StringComparison.Ordinal);
        Assert.Contains("waits for its owner to sign in", page, StringComparison.Ordinal);
        Assert.Equal(0, harness.Llm.RequestCount);

        // It tries again by itself (once a second here) and stays waiting until the login is done.
        await TaskTestHost.WaitUntilAsync(() => credentials.Requests >= 2, "a second try");
        credentials.LogIn();

        var done = await TaskTestHost.WaitForStatusAsync(client, id, "completed");
        var output = done.GetProperty("output").GetString()!;
        Assert.Contains("Logged in and done.", output, StringComparison.Ordinal);
        Assert.DoesNotContain(LoginGateCredentials.LoginUrl.AbsoluteUri, output, StringComparison.Ordinal);
        Assert.Equal(0, done.GetProperty("login_links").GetArrayLength());
        Assert.Equal(1, harness.Downstream.CallCount("echo"));
    }
}
