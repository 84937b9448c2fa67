using System.ClientModel;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using McpSubAgent.Testing.Llm;
using OpenAI.Chat;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>
/// Tool calls held for approval on <c>/v1</c>: decided by the owner on our approval page while a stream waits, or
/// answered by the app through the official OpenAI SDK; the downstream MCP server counts the calls that reach it.
/// </summary>
public sealed partial class ApprovalTests
{
    private static ChatCompletionOptions Options(OpenAIApiHarness h, bool wait = false)
    {
        var options = new ChatCompletionOptions();
#pragma warning disable SCME0001 // The SDK marks JSON patches as an evaluation API.
        options.Patch.Append("$.tools"u8, BinaryData.FromString($$"""{"type":"mcp","server_url":"{{h.Downstream.Endpoint}}","require_approval":"always"}"""));
        if (wait)
        {
            options.Patch.Set("$.mcp_wait_for_approval"u8, 60);
        }
#pragma warning restore SCME0001
        return options;
    }

    [Fact]
    public async Task Stream_OwnerApprovesOnThePage_StreamGoesOnByItselfAndTheToolRunsOnce()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@approvals.example");
        await h.Host.CreateUserAsync("mallory@approvals.example", OpenAIApiHarness.Password);
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", OpenAIApiHarness.EchoTool, """{"text":"hi"}""")), LlmReply.Text("Done."));

        var text = new StringBuilder();
        var decided = false;
        var finishReasons = new List<ChatFinishReason>();
        await foreach (var update in h.Chat(token).CompleteChatStreamingAsync([new UserChatMessage("Echo hi.")], Options(h, wait: true), TestContext.Current.CancellationToken))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            if (update.FinishReason is { } reason)
            {
                finishReasons.Add(reason);
            }

            if (!decided && ApproveLink().Match(text.ToString()) is { Success: true } match && text.ToString().Contains("Waiting up to", StringComparison.Ordinal))
            {
                decided = true;
                var page = new Uri(match.Groups[1].Value);
                Assert.Equal(0, h.Downstream.CallCount("echo"));

                // Someone else's browser, signed in, is refused; the owner's shows the call and decides it.
                using var mallory = new Infrastructure.Browser(h.Host.BaseUrl);
                await mallory.TryLoginAsync("mallory@approvals.example", OpenAIApiHarness.Password);
                var (refusedStatus, _) = await mallory.GetPageAsync(page);
                Assert.Equal(HttpStatusCode.Forbidden, refusedStatus);

                using var ann = new Infrastructure.Browser(h.Host.BaseUrl);
                await ann.TryLoginAsync("ann@approvals.example", OpenAIApiHarness.Password);
                var (status, html) = await ann.GetPageAsync(page);
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Contains("echo", html);
                Assert.Contains("&quot;hi&quot;", html);
                var (posted, answer) = await ann.SubmitAsync(page, new() { ["decision"] = "approve" });
                Assert.Equal(HttpStatusCode.OK, posted);
                Assert.Contains("Approved", answer);
            }
        }

        Assert.True(decided, text.ToString());
        Assert.Contains("echo: hi", text.ToString());
        Assert.EndsWith("Done.", text.ToString());
        Assert.Equal([ChatFinishReason.Stop], finishReasons);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task ApprovalPage_PostWithoutTheFormsToken_IsRefused()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@approvals.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", OpenAIApiHarness.EchoTool, """{"text":"hi"}""")));
        ChatCompletion held = await h.Chat(token).CompleteChatAsync([new UserChatMessage("Echo hi.")], Options(h), TestContext.Current.CancellationToken);
        var page = new Uri(ApproveLink().Match(held.Content[0].Text).Groups[1].Value);

        using var ann = new Infrastructure.Browser(h.Host.BaseUrl);
        await ann.TryLoginAsync("ann@approvals.example", OpenAIApiHarness.Password);
        var (status, _) = await ann.SubmitAsync(page, new() { ["decision"] = "approve" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task App_AnswersThroughTheSdk_ApprovedCallRunsOnce_ReplayAndOtherUsersAreRefused()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var ann = await h.SignInAsync("ann@approvals.example");
        var bob = await h.SignInAsync("bob@approvals.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", OpenAIApiHarness.EchoTool, """{"text":"hi"}""")), LlmReply.Text("Done."));
        List<ChatMessage> messages = [new UserChatMessage("Echo hi.")];

        ChatCompletion held = await h.Chat(ann).CompleteChatAsync(messages, Options(h), TestContext.Current.CancellationToken);
        Assert.Equal(ChatFinishReason.ToolCalls, held.FinishReason);
        var call = Assert.Single(held.ToolCalls);
        Assert.StartsWith("mcpapr_", call.Id);
        messages.Add(new AssistantChatMessage(held));
        messages.Add(new ToolChatMessage(call.Id, "approve"));

        var bobs = await Assert.ThrowsAsync<ClientResultException>(() => h.Chat(bob).CompleteChatAsync(messages, Options(h), TestContext.Current.CancellationToken));
        Assert.Equal(400, bobs.Status);
        Assert.Equal(0, h.Downstream.CallCount("echo"));

        ChatCompletion done = await h.Chat(ann).CompleteChatAsync(messages, Options(h), TestContext.Current.CancellationToken);
        Assert.EndsWith("Done.", done.Content[0].Text);
        Assert.Equal(1, h.Downstream.CallCount("echo"));

        var replay = await Assert.ThrowsAsync<ClientResultException>(() => h.Chat(ann).CompleteChatAsync(messages, Options(h), TestContext.Current.CancellationToken));
        Assert.Equal(400, replay.Status);
        Assert.Contains("already used", replay.Message);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task Background_OfAPerson_WaitsInInputRequired_ThenTheApprovedCallRunsOnce()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("ann@approvals.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", OpenAIApiHarness.EchoTool, """{"text":"hi"}""")), LlmReply.Text("Done."));
        var body = h.Body("Echo hi.");
        body["tools"]![0]!["require_approval"] = "always";
        body["background"] = true;
        body["mcp_wait_for_approval"] = 600;

        using var response = await h.PostAsync(token, body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jsonUrl = (string)(await OpenAIApiHarness.JsonAsync(response))["json_url"]!;

        // The task waits in the queue, not in a worker, whatever the body asked for.
        var waiting = await BackgroundCompletionTests.WaitForStatusAsync(jsonUrl, "input_required");
        var page = new Uri((string)waiting["approvals"]![0]!["url"]!);
        Assert.Equal(0, h.Downstream.CallCount("echo"));
        using var ann = new Infrastructure.Browser(h.Host.BaseUrl);
        await ann.TryLoginAsync("ann@approvals.example", OpenAIApiHarness.Password);
        await ann.GetPageAsync(page);
        var (posted, _) = await ann.SubmitAsync(page, new() { ["decision"] = "approve" });
        Assert.Equal(HttpStatusCode.OK, posted);

        var done = await BackgroundCompletionTests.WaitForStatusAsync(jsonUrl, "completed");
        Assert.EndsWith("Done.", ((string)done["output"]!).TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
    }

    [Fact]
    public async Task Background_OfAnApp_WithRequireApproval_IsRefused()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var (clientId, secret) = await h.AddAppAsync("Approvals app");
        var token = await h.AppTokenAsync(clientId, secret);
        var body = h.Body("Echo hi.");
        body["tools"]![0]!["require_approval"] = "always";
        body["background"] = true;
        body["user"] = "end-user-1";

        using var response = await h.PostAsync(token, body);

        Assert.Equal("tools", (string?)(await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.BadRequest))["param"]);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task Webhook_IsPostedSignedWithTheHeldCallAndItsLink()
    {
        var received = Channel.CreateUnbounded<(string Body, string? Timestamp, string? Signature)>();
        var receiver = WebApplication.CreateSlimBuilder();
        receiver.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = receiver.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            await received.Writer.WriteAsync((await reader.ReadToEndAsync(), request.Headers["X-McpSubAgent-Timestamp"], request.Headers["X-McpSubAgent-Signature"]));
            return Results.NoContent();
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var hook = new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "hook");
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Approvals:Webhook:Url"] = hook.AbsoluteUri,
            ["Approvals:Webhook:Secret"] = "approval-webhook-secret",
        });
        var token = await h.SignInAsync("ann@approvals.example");
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", OpenAIApiHarness.EchoTool, """{"text":"hi"}""")));

        ChatCompletion held = await h.Chat(token).CompleteChatAsync([new UserChatMessage("Echo hi.")], Options(h), TestContext.Current.CancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var (body, timestamp, signature) = await received.Reader.ReadAsync(timeout.Token);
        var payload = JsonDocument.Parse(body).RootElement;
        Assert.Equal(Assert.Single(held.ToolCalls).Id, payload.GetProperty("approval_id").GetString());
        Assert.Equal("echo", payload.GetProperty("tool").GetString());
        Assert.Equal("""{"text":"hi"}""", payload.GetProperty("arguments").GetString());
        Assert.Equal(ApproveLink().Match(held.Content[0].Text).Groups[1].Value, payload.GetProperty("approval_url").GetString());
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes("approval-webhook-secret"), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        Assert.Equal("sha256=" + Convert.ToHexStringLower(expected), signature);
        Assert.Equal(0, h.Downstream.CallCount("echo"));
    }

    [GeneratedRegex(@"\[Approve\]\((\S+?)\?decision=approve\)")]
    private static partial Regex ApproveLink();
}
