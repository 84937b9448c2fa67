using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>Several providers: <c>Providers:{name}</c> next to the default one, with model ids <c>{name}/{model}</c>.</summary>
public sealed class ProviderTests
{
    [Fact]
    public async Task NamedProvider_GetsItsModelsWithoutThePrefix_AndTheModelListIsTheUnion()
    {
        await using var second = await ScriptedLlmServer.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Providers:local:BaseUrl"] = second.BaseUrl.AbsoluteUri,
            ["Providers:local:ApiKey"] = "sk-local",
        });
        var token = await h.SignInAsync("providers@example.com");
        second.Enqueue(LlmReply.Text("from the named provider"));
        h.Llm.Enqueue(LlmReply.Text("from the default provider"));

        var named = h.Body("x");
        named["model"] = "local/fake-model-2";
        using var namedResponse = await h.PostAsync(token, named);
        var namedAnswer = await OpenAIApiHarness.JsonAsync(namedResponse);
        Assert.Equal("from the named provider", (string?)namedAnswer["choices"]![0]!["message"]!["content"]);
        Assert.Equal("local/fake-model-2", (string?)namedAnswer["model"]);
        Assert.Equal("fake-model-2", second.Requests.Single().Model);
        Assert.Equal("Bearer sk-local", second.Requests.Single().Header("Authorization"));

        using var defaultResponse = await h.PostAsync(token, h.Body("y"));
        Assert.Equal("from the default provider", (string?)(await OpenAIApiHarness.JsonAsync(defaultResponse))["choices"]![0]!["message"]!["content"]);
        Assert.Equal("fake-model", h.Llm.Requests.Single().Model);

        using var models = await h.GetAsync(token, "v1/models");
        var ids = (await OpenAIApiHarness.JsonAsync(models))["data"]!.AsArray().Select(m => (string)m!["id"]!).Order();
        Assert.Equal(["fake-model", "fake-model-2", "local/fake-model", "local/fake-model-2"], ids);

        var unknown = h.Body("z");
        unknown["model"] = "local/gpt-none";
        using var notFound = await h.PostAsync(token, unknown);
        await OpenAIApiHarness.AssertErrorAsync(notFound, HttpStatusCode.NotFound);

        using var usage = await h.GetAsync(token, "v1/usage");
        var usageModels = (await OpenAIApiHarness.JsonAsync(usage))["data"]!.AsArray().Select(r => (string)r!["model"]!).Order();
        Assert.Equal(["fake-model", "local/fake-model-2"], usageModels);
    }

    [Fact]
    public async Task SlashedIdOfAnUnnamedProvider_GoesToTheDefaultUnchanged()
    {
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?> { ["OpenAIApi:RejectUnknownModels"] = "false" });
        var token = await h.SignInAsync("providers-openrouter@example.com");
        h.Llm.Enqueue(LlmReply.Text("as OpenRouter would"));
        var body = new JsonObject { ["model"] = "openai/gpt-5", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) };

        using var response = await h.PostAsync(token, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openai/gpt-5", h.Llm.Requests.Single().Model);
    }
}
