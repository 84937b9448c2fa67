using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.ResponsesApi;

/// <summary>A server that needs the person's login: the response says so in its text and in a structured form.</summary>
public sealed class ResponsesLoginTests
{
    [Fact]
    public async Task LoginNeeded_AppWithUser_GetsTheLinkAsTextListingErrorAndMcpLoginRequired_WithoutUserIs400()
    {
        var gate = new UserKeyLoginGate();
        await using var h = await OpenAIApiHarness.StartAsync(services: s => s.AddSingleton<IMcpCredentialProvider>(gate));
        var (clientId, secret) = await h.AddAppAsync("Responses app");
        var token = await h.AppTokenAsync(clientId, secret);
        JsonObject Body(string? user)
        {
            var body = new JsonObject
            {
                ["model"] = "fake-model", ["input"] = "What is on my roadmap?",
                ["tools"] = new JsonArray(new JsonObject
                {
                    ["type"] = "mcp", ["server_label"] = "notes", ["server_url"] = h.Downstream.Endpoint.AbsoluteUri, ["require_approval"] = "never",
                }),
            };
            if (user is not null)
            {
                body["user"] = user;
            }

            return body;
        }

        using var response = await h.PostAsync(token, Body("carol"), "v1/responses");
        var json = await OpenAIApiHarness.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var link = UserKeyLoginGate.LoginUrl($"{clientId}:carol").AbsoluteUri;
        var login = Assert.Single(json["mcp_login_required"]!.AsArray())!;
        Assert.Equal(link, (string?)login["url"]);
        Assert.Equal("notes", (string?)login["server_label"]);
        var output = json["output"]!.AsArray();
        var message = output.Single(i => (string?)i!["type"] == "message")!;
        Assert.Contains(link, (string?)message["content"]![0]!["text"], StringComparison.Ordinal);
        var listing = output.Single(i => (string?)i!["type"] == "mcp_list_tools")!;
        Assert.Equal("notes", (string?)listing["server_label"]);
        Assert.Contains(link, (string?)listing["error"], StringComparison.Ordinal);
        Assert.Equal(0, h.Llm.RequestCount);

        using var withoutUser = await h.PostAsync(token, Body(null), "v1/responses");
        var error = await OpenAIApiHarness.AssertErrorAsync(withoutUser, HttpStatusCode.BadRequest);
        Assert.Equal("user_required", (string?)error["code"]);
    }
}
