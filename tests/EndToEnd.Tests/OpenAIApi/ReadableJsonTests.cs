using System.Text.Json.Nodes;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>
/// Text with markup characters and non-ASCII comes out of <c>/v1</c> as it went in: in the markdown of tool calls and
/// results, and in the JSON of the response itself and of a background run's task page (no <c>\u003C</c> or <c>\u00E9</c>
/// for people reading it with curl).
/// </summary>
public sealed class ReadableJsonTests
{
    private const string Text = "a->b & <i> café 日本 it's";

    [Fact]
    public async Task ChatCompletion_ArgumentsResultAndAnswerWithMarkupAndNonAscii_AreWrittenAsTheyAre()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("readable@example.com");
        var arguments = new JsonObject { ["text"] = Text }.ToJsonString();
        h.Llm.Enqueue(
            LlmReply.ToolCalls(new LlmToolCall("call_1", OpenAIApiHarness.EchoTool, arguments)),
            LlmReply.Text($"Echoed: {Text}"),
            LlmReply.ToolCalls(new LlmToolCall("call_2", OpenAIApiHarness.EchoTool, arguments)),
            LlmReply.Text($"Echoed: {Text}"),
            LlmReply.ToolCalls(new LlmToolCall("call_3", OpenAIApiHarness.EchoTool, arguments)),
            LlmReply.Text($"Echoed: {Text}"));

        using var response = await h.PostAsync(token, h.Body("Echo it."));
        var raw = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var streamed = await h.PostAsync(token, h.Body("Echo it.", stream: true));
        var stream = await streamed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var background = h.Body("Echo it later.");
        background["background"] = true;
        using var started = await h.PostAsync(token, background);
        var jsonUrl = (string)(await OpenAIApiHarness.JsonAsync(started))["json_url"]!;
        await BackgroundCompletionTests.WaitForStatusAsync(jsonUrl, "completed");
        using var http = new HttpClient();
        var task = await http.GetStringAsync(jsonUrl, TestContext.Current.CancellationToken);

        Assert.True(response.IsSuccessStatusCode, raw);
        var content = (string)JsonNode.Parse(raw)!["choices"]![0]!["message"]!["content"]!;
        Assert.Contains($"\"text\": \"{Text}\"", content, StringComparison.Ordinal);
        Assert.Contains($"echo: {Text}", content, StringComparison.Ordinal);
        Assert.EndsWith($"Echoed: {Text}", content, StringComparison.Ordinal);
        Assert.Contains($"Echoed: {Text}", raw, StringComparison.Ordinal);

        // The stream carries the tool blocks whole (the model's text comes in pieces).
        Assert.Contains($"echo: {Text}", raw, StringComparison.Ordinal);
        Assert.Contains($"echo: {Text}", stream, StringComparison.Ordinal);

        // The task's JSON page, which a background request links to.
        Assert.Contains($"echo: {Text}", task, StringComparison.Ordinal);
        Assert.Contains($"Echoed: {Text}", task, StringComparison.Ordinal);
    }
}
