using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Hosting;

/// <summary>
/// A plain tools/list is answered from the MCP SDK's own first answer (kept per protocol version); the answer must be
/// the SDK's, byte for byte, with the caller's id, and everything the SDK refuses must still be refused.
/// </summary>
public sealed class ToolListCacheTests
{
    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(
        HttpClient http, string token, string body, string accept = "application/json, text/event-stream", string? protocolVersion = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "mcp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", accept);
        request.Headers.Authorization = new("Bearer", token);
        if (protocolVersion is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        }

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response);
    }

    private static async Task<string> AccessTokenAsync(SubAgentHost host)
    {
        await host.CreateUserAsync("lists@example.com", "Tool-List-Cache-1");
        using var client = new OAuthTestClient(host);
        return (string)(await client.LogInAsync("lists@example.com", "Tool-List-Cache-1")).Tokens["access_token"]!;
    }

    private static JsonNode Data(string sse)
    {
        var lines = sse.Split('\n');
        Assert.Equal("event: message", lines[0]);
        Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
        return JsonNode.Parse(lines[1]["data: ".Length..])!;
    }

    [Fact]
    public async Task ToolsList_AnsweredAgain_IsTheSdksAnswerWithTheCallersId()
    {
        await using var host = await SubAgentHost.StartAsync();
        var token = await AccessTokenAsync(host);
        using var http = host.CreateHttpClient();

        // The first plain request goes through the SDK; the second is answered from what it wrote.
        var first = await PostAsync(http, token, """{"jsonrpc":"2.0","id":"a\"1","method":"tools/list","params":{}}""");
        var second = await PostAsync(http, token, """{"jsonrpc":"2.0","id":"a\"1","method":"tools/list","params":{}}""");
        var numbered = await PostAsync(http, token, """{"method":"tools/list","id":42,"jsonrpc":"2.0"}""");

        // A cursor (even null) is not a plain request: the SDK answers it.
        var sdk = await PostAsync(http, token, """{"jsonrpc":"2.0","id":42,"method":"tools/list","params":{"cursor":null}}""");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Body, second.Body);

        // The SDK streams its answer; the kept answer is written whole, with its length.
        Assert.True(first.Response.Headers.TransferEncodingChunked);
        Assert.NotEqual(true, second.Response.Headers.TransferEncodingChunked);
        Assert.Equal("text/event-stream", second.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(first.Response.Headers.CacheControl, second.Response.Headers.CacheControl);
        Assert.True(second.Response.Headers.CacheControl is { NoCache: true, NoStore: true });
        Assert.Equal(sdk.Body, numbered.Body);
        Assert.Equal("a\"1", (string?)Data(second.Body)["id"]);
        Assert.Equal(42, (int?)Data(numbered.Body)["id"]);
        var names = Data(numbered.Body)["result"]!["tools"]!.AsArray().Select(t => (string?)t!["name"]).ToArray();
        Assert.Contains("run_agent", names);
        Assert.Contains("start_agent_task", names);
        foreach (var response in new[] { first, second, numbered, sdk })
        {
            response.Response.Dispose();
        }
    }

    [Fact]
    public async Task ToolsList_AfterTheAnswerIsKept_StillRefusesWhatTheSdkRefuses()
    {
        await using var host = await SubAgentHost.StartAsync();
        var token = await AccessTokenAsync(host);
        using var http = host.CreateHttpClient();
        const string plain = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";
        (await PostAsync(http, token, plain)).Response.Dispose();
        (await PostAsync(http, token, plain)).Response.Dispose();

        var jsonOnly = await PostAsync(http, token, plain, accept: "application/json");
        var unknownVersion = await PostAsync(http, token, plain, protocolVersion: "1999-01-01");
        var noToken = await PostAsync(http, "not-a-token", plain);

        Assert.Equal(HttpStatusCode.NotAcceptable, jsonOnly.Status);
        Assert.Equal(HttpStatusCode.BadRequest, unknownVersion.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.Status);
        jsonOnly.Response.Dispose();
        unknownVersion.Response.Dispose();
        noToken.Response.Dispose();
    }
}
