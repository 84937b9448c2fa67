using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.ResponsesApi;

/// <summary>Stored responses over plain HTTP: ownership, <c>store: false</c>, delete, input items, and errors in OpenAI's shape.</summary>
public sealed class ResponsesStorageTests
{
    private static JsonObject Body(string input, bool? store = null)
    {
        var body = new JsonObject { ["model"] = "fake-model", ["input"] = input, ["metadata"] = new JsonObject { ["topic"] = "tests" } };
        if (store is { } s)
        {
            body["store"] = s;
        }

        return body;
    }

    [Fact]
    public async Task StoredResponse_OnlyItsOwnerReadsListsAndDeletesIt()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var ann = await h.SignInAsync("ann@stored.example");
        var bob = await h.SignInAsync("bob@stored.example");
        h.Llm.Enqueue(LlmReply.Text("Hello."));

        using var created = await h.PostAsync(ann, Body("Hi!"), "v1/responses");
        var response = await OpenAIApiHarness.JsonAsync(created);
        var id = (string)response["id"]!;
        Assert.Equal("tests", (string?)response["metadata"]!["topic"]);

        using var bobsGet = await h.GetAsync(bob, $"v1/responses/{id}");
        await OpenAIApiHarness.AssertErrorAsync(bobsGet, HttpStatusCode.NotFound);

        using var items = await h.GetAsync(ann, $"v1/responses/{id}/input_items");
        var list = await OpenAIApiHarness.JsonAsync(items);
        var item = Assert.Single(list["data"]!.AsArray())!;
        Assert.Equal("Hi!", (string?)item["content"]![0]!["text"]);
        Assert.Equal("user", (string?)item["role"]);

        using var bobsDelete = await SendAsync(h, bob, HttpMethod.Delete, $"v1/responses/{id}");
        await OpenAIApiHarness.AssertErrorAsync(bobsDelete, HttpStatusCode.NotFound);
        using var deleted = await SendAsync(h, ann, HttpMethod.Delete, $"v1/responses/{id}");
        Assert.True((bool)(await OpenAIApiHarness.JsonAsync(deleted))["deleted"]!);
        using var gone = await h.GetAsync(ann, $"v1/responses/{id}");
        await OpenAIApiHarness.AssertErrorAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StoreFalse_IsNotRetrievableNorContinuable()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var ann = await h.SignInAsync("ann@stored.example");
        h.Llm.Enqueue(LlmReply.Text("Hello."));

        using var created = await h.PostAsync(ann, Body("Hi!", store: false), "v1/responses");
        var response = await OpenAIApiHarness.JsonAsync(created);
        Assert.Equal("Hello.", (string?)response["output"]![0]!["content"]![0]!["text"]);

        using var get = await h.GetAsync(ann, $"v1/responses/{response["id"]}");
        await OpenAIApiHarness.AssertErrorAsync(get, HttpStatusCode.NotFound);
        var next = Body("And then?");
        next["previous_response_id"] = (string)response["id"]!;
        using var continued = await h.PostAsync(ann, next, "v1/responses");
        var error = await OpenAIApiHarness.AssertErrorAsync(continued, HttpStatusCode.NotFound);
        Assert.Equal("previous_response_id", (string?)error["param"]);
    }

    [Theory]
    [InlineData("""{"model":"fake-model"}""", "input")]
    [InlineData("""{"input":[]}""", "input")]
    [InlineData("""{"input":[{"type":"message","role":"robot","content":"x"}]}""", "input[0].role")]
    [InlineData("""{"input":"x","tools":[{"type":"web_search"}]}""", "tools[0].type")]
    [InlineData("""{"input":"x","tools":[{"type":"mcp","server_url":"http://127.0.0.1:1/mcp"}]}""", "tools[0].server_label")]
    [InlineData("""{"input":"x","tools":[{"type":"mcp","server_label":"a","server_url":"ftp://x"}]}""", "tools[0].server_url")]
    [InlineData("""{"input":"x","tools":[{"type":"mcp","server_label":"a","server_url":"http://127.0.0.1:1/mcp","require_approval":"sometimes"}]}""", "tools[0].require_approval")]
    [InlineData("""{"input":"x","temperature":"hot"}""", "temperature")]
    [InlineData("""{"input":"x","metadata":{"a":1}}""", "metadata")]
    [InlineData("""{"input":"x","tool_choice":{"type":"file_search"}}""", "tool_choice")]
    [InlineData("""{"input":[{"type":"mcp_approval_response","approval_request_id":"mcpapr_00","approve":true}]}""", "input")]
    [InlineData("""{"input":"x","conversation":"conv_1"}""", "conversation")]
    public async Task BadInput_Is400InOpenAIsShape(string body, string param)
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var ann = await h.SignInAsync("ann@stored.example");

        using var response = await h.PostAsync(ann, JsonNode.Parse(body)!.AsObject(), "v1/responses");

        var error = await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task NoToken_Is401()
    {
        await using var h = await OpenAIApiHarness.StartAsync();

        using var response = await h.PostAsync(null, Body("Hi!"), "v1/responses");

        await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PreviousResponseId_ConversationOverTheUpstreamLimit_Is400()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["Completions:MaxUpstreamRequestBytes"] = "1500" });
        var ann = await h.SignInAsync("ann@stored.example");
        h.Llm.Enqueue(LlmReply.Text(new string('x', 2000)));
        using var created = await h.PostAsync(ann, Body("Write a lot."), "v1/responses");
        var first = await OpenAIApiHarness.JsonAsync(created);

        var next = Body("And more?");
        next["previous_response_id"] = (string)first["id"]!;
        using var continued = await h.PostAsync(ann, next, "v1/responses");

        var error = await OpenAIApiHarness.AssertErrorAsync(continued, HttpStatusCode.BadRequest);
        Assert.Equal("context_length_exceeded", (string?)error["code"]);
        Assert.Equal(1, h.Llm.RequestCount);
    }

    private static async Task<HttpResponseMessage> SendAsync(OpenAIApiHarness h, string token, HttpMethod method, string path)
    {
        using var http = h.Host.CreateHttpClient();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", token);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
