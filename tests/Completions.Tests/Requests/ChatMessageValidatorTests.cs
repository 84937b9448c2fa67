using System.Text;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.Completions.Tests.Requests;

public sealed class ChatMessageValidatorTests
{
    [Theory]
    [InlineData("""[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":{"id":"c"}}]""", "messages[1].tool_calls", "must be an array, not an object")]
    [InlineData("""[{"role":"user","content":{}}]""", "messages[0].content", "must be a string or an array of content parts, not an object")]
    [InlineData("""[{"role":"user","content":5}]""", "messages[0].content", "not a number")]
    [InlineData("""[{"content":"hi"}]""", "messages[0].role", "is required")]
    [InlineData("""[{"role":7,"content":"hi"}]""", "messages[0].role", "must be a string, not a number")]
    [InlineData("""[{"role":"wizard","content":"hi"}]""", "messages[0].role", "must be one of")]
    [InlineData("""["hi"]""", "messages[0]", "must be an object")]
    [InlineData("""[{"role":"user"}]""", "messages[0].content", "not null")]
    [InlineData("""[{"role":"user","content":[1]}]""", "messages[0].content[0]", "content part")]
    [InlineData("""[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{}}}]}]""", "messages[0].tool_calls[0].function.arguments", "must be a string, not an object")]
    [InlineData("""[{"role":"assistant","content":null,"tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}]""", "messages[0].tool_calls[0].id", "is required")]
    [InlineData("""[{"role":"tool","content":"42"}]""", "messages[0].tool_call_id", "is required")]
    public void Parse_MessagesOfTheWrongShape_NameTheParamPath(string messages, string param, string problem)
    {
        var ex = Assert.Throws<InvalidRequestException>(() => ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes($$"""{"messages":{{messages}}}""")));

        Assert.Equal(param, ex.Param);
        Assert.Contains(param, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"}]}]""")]
    [InlineData("""[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"42"}]""")]
    [InlineData("""[{"role":"developer","content":"x","name":"n"},{"role":"assistant","content":"ok"}]""")]
    public void Parse_WellFormedMessages_AreAccepted(string messages) =>
        Assert.NotNull(ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes($$"""{"messages":{{messages}}}""")));
}
