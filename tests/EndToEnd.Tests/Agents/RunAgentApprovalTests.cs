using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.Testing.Llm;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.EndToEnd.Tests.Agents;

/// <summary>
/// run_agent with require_approval through the C# SDK client: a client with an elicitation handler is asked (form-mode
/// elicitation through MCP 2026-07-28 multi round-trip requests, on the stateless /mcp); another client's run waits for
/// the decision on the link its progress reports, or ends with approval_required and the links.
/// </summary>
public sealed partial class RunAgentApprovalTests
{
    private const string EchoFunction = "mcp_127-0-0-1_echo";

    [GeneratedRegex(@"https?://\S+/approvals/mcpapr_[0-9a-f]+")]
    private static partial Regex ApprovalLink();

    private static Dictionary<string, object?> Arguments(AgentHarness h) => new()
    {
        ["prompt"] = "Echo hi",
        ["mcp_servers"] = new[] { h.Downstream.Endpoint.AbsoluteUri },
        ["require_approval"] = "always",
    };

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Theory]
    [InlineData("approve", 1)]
    [InlineData("deny", 0)]
    public async Task RunAgent_WaitsForApproval_DecisionOnTheLinkFromTheProgressDecides(string decision, int callsMade)
    {
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));
        var link = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new Reporter(p =>
        {
            if (p.Message is { } message && ApprovalLink().Match(message) is { Success: true } match)
            {
                link.TrySetResult(new Uri(match.Value));
            }
        });
        var arguments = Arguments(h);
        arguments["wait_for_approval"] = 60;

        var call = h.Client.CallToolAsync("run_agent", arguments, progress, cancellationToken: TestContext.Current.CancellationToken).AsTask();
        var page = await link.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(0, h.Downstream.CallCount("echo"));
        using var browser = new Infrastructure.Browser(h.Host.BaseUrl);
        await browser.TryLoginAsync(AgentHarness.Email, AgentHarness.Password);
        var (status, _) = await browser.GetPageAsync(page);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var (posted, _) = await browser.SubmitAsync(page, new() { ["decision"] = decision });
        Assert.Equal(System.Net.HttpStatusCode.OK, posted);
        var result = await call;

        Assert.Equal("completed", result.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.Equal(callsMade, h.Downstream.CallCount("echo"));
        var toolResult = (string?)h.Llm.Requests[1].Messages[^1]!["content"];
        Assert.Contains(callsMade == 1 ? "echo: hi" : "denied by the user", toolResult, StringComparison.Ordinal);
        Assert.EndsWith("Done.", Text(result), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accept", 1, "echo: hi")]
    [InlineData("decline", 0, "denied by the user")]
    public async Task RunAgent_ClientWithElicitation_IsAskedForEachHeldCall_AndItsAnswerDecides(string action, int callsMade, string toolResult)
    {
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));
        var asked = new List<ElicitRequestParams>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (question, _) =>
                {
                    asked.Add(question!);
                    Assert.Equal(0, h.Downstream.CallCount("echo"));
                    return ValueTask.FromResult(new ElicitResult { Action = action });
                },
            },
        };
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = h.Host.McpUrl,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {h.AccessToken}" },
            }),
            options, cancellationToken: TestContext.Current.CancellationToken);

        var result = await client.CallToolAsync("run_agent", Arguments(h), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("completed", result.StructuredContent!.Value.GetProperty("status").GetString());
        var question = Assert.Single(asked);
        Assert.Equal("form", question.Mode);
        Assert.Contains("echo", question.Message, StringComparison.Ordinal);
        Assert.Contains("""{"text":"hi"}""", question.Message, StringComparison.Ordinal);
        Assert.Equal(callsMade, h.Downstream.CallCount("echo"));
        Assert.Contains(toolResult, (string?)h.Llm.Requests[1].Messages[^1]!["content"], StringComparison.Ordinal);
        Assert.EndsWith("Done.", Text(result).TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(2, h.Llm.RequestCount);
    }

    [Fact]
    public async Task RunAgent_ElicitationRetry_OfAnotherUserOrReplayed_IsRefusedAndRunsNothingMore()
    {
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")), LlmReply.Text("Done."));
        await h.Host.CreateUserAsync("other-agent-user@example.com", AgentHarness.Password);
        using var oauth = new Infrastructure.OAuthTestClient(h.Host);
        var (_, tokens) = await oauth.LogInAsync("other-agent-user@example.com", AgentHarness.Password);
        var otherToken = (string)tokens["access_token"]!;

        // Raw 2026-07-28 requests (no session, no initialize), as the SDK client would send them minus its automatic retry.
        var asked = await CallRawAsync(h.AccessToken, null, null);
        Assert.Equal("input_required", (string?)asked["resultType"]);
        var key = Assert.Single(asked["inputRequests"]!.AsObject()).Key;
        var state = (string)asked["requestState"]!;
        var accept = new JsonObject { [key] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject() } };

        var stolen = await CallRawAsync(otherToken, state, accept);
        var done = await CallRawAsync(h.AccessToken, state, accept);
        var replayed = await CallRawAsync(h.AccessToken, state, accept);

        Assert.True((bool?)stolen["isError"]);
        Assert.Contains("another user", stolen.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("completed", (string?)done["structuredContent"]!["status"]);
        Assert.True((bool?)replayed["isError"]);
        Assert.Contains("already used", replayed.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(1, h.Downstream.CallCount("echo"));
        Assert.Equal(2, h.Llm.RequestCount);

        async Task<JsonObject> CallRawAsync(string accessToken, string? requestState, JsonObject? responses)
        {
            var parameters = new JsonObject
            {
                ["name"] = "run_agent",
                ["arguments"] = JsonSerializer.SerializeToNode(Arguments(h)),
                ["_meta"] = new JsonObject
                {
                    ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                    ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "raw-test-client", ["version"] = "1.0.0" },
                    ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject { ["elicitation"] = new JsonObject { ["form"] = new JsonObject() } },
                },
            };
            if (requestState is not null)
            {
                parameters["requestState"] = requestState;
                parameters["inputResponses"] = responses!.DeepClone();
            }

            var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/call", ["params"] = parameters };
            using var http = h.Host.CreateHttpClient();
            using var message = new HttpRequestMessage(HttpMethod.Post, h.Host.McpUrl)
            {
                Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            message.Headers.Authorization = new("Bearer", accessToken);
            message.Headers.Accept.ParseAdd("application/json");
            message.Headers.Accept.ParseAdd("text/event-stream");
            message.Headers.Add("MCP-Protocol-Version", "2026-07-28");
            message.Headers.Add("Mcp-Method", "tools/call");
            message.Headers.Add("Mcp-Name", "run_agent");
            using var response = await http.SendAsync(message, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");

            // A JSON body, or an event stream whose last data line is the response.
            var json = text.TrimStart().StartsWith('{')
                ? text
                : text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()).Last(l => l.Contains("\"result\"", StringComparison.Ordinal));
            return JsonNode.Parse(json)!["result"]!.AsObject();
        }
    }

    [Fact]
    public async Task RunAgent_ClientWithoutElicitation_GetsApprovalRequiredWithTheLinks()
    {
        await using var h = await AgentHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.ToolCalls(new LlmToolCall("c1", EchoFunction, """{"text":"hi"}""")));

        var result = await h.Client.CallToolAsync("run_agent", Arguments(h), cancellationToken: TestContext.Current.CancellationToken);

        var structured = result.StructuredContent!.Value;
        Assert.Equal("approval_required", structured.GetProperty("status").GetString());
        var approval = structured.GetProperty("approvals")[0];
        Assert.Equal("echo", approval.GetProperty("tool").GetString());
        Assert.Equal("""{"text":"hi"}""", approval.GetProperty("arguments").GetString());
        Assert.StartsWith(new Uri(h.Host.BaseUrl, "approvals/mcpapr_").AbsoluteUri, approval.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Contains("wait for the user's approval", Text(result), StringComparison.Ordinal);
        Assert.Equal(0, h.Downstream.CallCount("echo"));
        Assert.Equal(JsonValueKind.Array, structured.GetProperty("tool_calls").ValueKind);
    }

    private sealed class Reporter(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}
