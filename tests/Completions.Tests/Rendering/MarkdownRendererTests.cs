using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Rendering;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Tests.Rendering;

public sealed class MarkdownRendererTests
{
    private static readonly Uri Server = new("https://tools.example/mcp");

    private static CallToolResult Result(params ContentBlock[] blocks) => new() { Content = [.. blocks] };

    [Fact]
    public void ToolCall_ToolNameWithMarkup_IsEscaped()
    {
        var markdown = MarkdownRenderer.ToolCall("<img src=x onerror=alert(1)>", Server, "{}");

        Assert.Contains("🔧 &lt;img src=x onerror=alert(1)&gt; (tools.example)", markdown);
        Assert.DoesNotContain("<img", markdown);
    }

    [Fact]
    public void ToolCall_ArgumentsWithMarkupAndNonAscii_AreShownAsTheyAre()
    {
        var markdown = MarkdownRenderer.ToolCall("echo", Server, """{"text":"a->b & <i> caf\u00e9 \u65e5\u672c it\u0027s"}""");

        Assert.Contains("```json\n{\n  \"text\": \"a->b & <i> café 日本 it's\"\n}\n```", markdown);
    }

    [Fact]
    public void ToolResult_JsonWithMarkupAndNonAscii_IsShownAsItIs()
    {
        var markdown = MarkdownRenderer.ToolResult(Result(new TextContentBlock { Text = """["a->b & <i> café 日本 it's"]""" }), 4000, 1000);

        Assert.Contains("\"a->b & <i> café 日本 it's\"", markdown);
    }

    [Theory]
    [InlineData("http://localhost:5123/mcp", "localhost:5123")]
    [InlineData("https://tools.example:443/mcp", "tools.example")]
    public void ToolCallAndLoginLinks_NameTheServerWithItsPortWhenNotTheDefault(string server, string label)
    {
        var serverUrl = new Uri(server);

        var call = MarkdownRenderer.ToolCall("echo", serverUrl, "{}");
        var login = MarkdownRenderer.LoginRequired([new McpLoginLink(serverUrl, new Uri("https://us.example/connections/login/x"))]);

        Assert.Contains($"🔧 echo ({label})</summary>", call);
        Assert.Contains($"[Authorize {label}]", login);
    }

    [Fact]
    public void Error_MessageWithScript_IsEscaped()
    {
        var markdown = MarkdownRenderer.Error("it's <script>alert(1)</script> & more");

        Assert.Equal("\n\n**Error**: it's &lt;script&gt;alert(1)&lt;/script&gt; &amp; more\n\n", markdown);
    }

    [Fact]
    public void ToolResult_TextThatTriesToCloseTheFence_StaysInside()
    {
        var markdown = MarkdownRenderer.ToolResult(Result(new TextContentBlock { Text = "a\n```\n</details><script>x</script>\n````" }), 4000, 1000);

        Assert.Contains("`````markdown\na\n```\n</details><script>x</script>\n````\n`````", markdown);
    }

    [Fact]
    public void ToolResult_JsonText_IsPrettyPrinted()
    {
        var markdown = MarkdownRenderer.ToolResult(Result(new TextContentBlock { Text = """{"a":[1,2]}""" }), 4000, 1000);

        Assert.Contains("```json\n{\n  \"a\": [\n    1,\n    2\n  ]\n}\n```", markdown);
        Assert.StartsWith("\n\n<details><summary>Result (±2 tokens)</summary>", markdown);
    }

    [Fact]
    public void ToolResult_ImageWithAnUnexpectedMimeType_IsNotEmbedded()
    {
        var image = ImageContentBlock.FromBytes(new byte[] { 1, 2, 3 }, "text/html\"><script>");

        var markdown = MarkdownRenderer.ToolResult(Result(image), 4000, 1000);

        Assert.DoesNotContain("data:", markdown);
        Assert.DoesNotContain("<script>", markdown);
        Assert.Contains("was not shown", markdown);
    }

    [Fact]
    public void ToolResult_ImageLargerThanTheLimit_IsNamedNotEmbedded()
    {
        var image = ImageContentBlock.FromBytes(new byte[4096], "image/png");

        Assert.Contains("*An image (image/png, 4 KB) was not shown.*", MarkdownRenderer.ToolResult(Result(image), 4000, 1000));
        Assert.Contains("![image](data:image/png;base64,", MarkdownRenderer.ToolResult(Result(image), 4000, 8192));
    }

    [Fact]
    public void ToolResult_OnlyStructuredContent_IsShownAsJson()
    {
        var result = new CallToolResult { Content = [], StructuredContent = System.Text.Json.JsonDocument.Parse("""{"temperature":21}""").RootElement };

        Assert.Contains("\"temperature\": 21", MarkdownRenderer.ToolResult(result, 4000, 1000));
    }

    [Fact]
    public void LoginRequired_ListsOneLinkPerServer()
    {
        var markdown = MarkdownRenderer.LoginRequired([
            new McpLoginLink(new Uri("https://a.example/mcp"), new Uri("https://idp.example/connections/login/AAA")),
            new McpLoginLink(new Uri("https://b.example/mcp"), new Uri("https://idp.example/connections/login/BBB")),
        ]);

        Assert.StartsWith("# MCP Server Authentication Required\n\n", markdown);
        Assert.Contains("- [Authorize a.example](<https://idp.example/connections/login/AAA>)\n- [Authorize b.example](<https://idp.example/connections/login/BBB>)", markdown);
    }
}
