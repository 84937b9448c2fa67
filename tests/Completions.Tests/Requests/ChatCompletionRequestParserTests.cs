using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Requests;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Tests.Requests;

public sealed class ChatCompletionRequestParserTests
{
    private static JsonObject Body(params JsonNode[] tools) => new()
    {
        ["model"] = "m",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        ["tools"] = new JsonArray(tools),
    };

    private static InvalidRequestException Refused(JsonObject body) =>
        Assert.Throws<InvalidRequestException>(() => ChatCompletionRequestParser.Parse(body));

    [Fact]
    public void Parse_MalformedJson_IsRefused()
    {
        var ex = Assert.Throws<InvalidRequestException>(() => ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes("{\"model\": ")));
        Assert.StartsWith("The request body is not valid JSON", ex.Message);
    }

    [Fact]
    public void Parse_JsonThatIsNotAnObject_IsRefused() =>
        Assert.Throws<InvalidRequestException>(() => ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes("[1,2]")));

    [Fact]
    public void Parse_MissingMessages_IsRefused()
    {
        var ex = Refused(new JsonObject { ["model"] = "m" });
        Assert.Equal("messages", ex.Param);
    }

    [Fact]
    public void Parse_McpToolWithoutUrl_IsRefusedNamingTheField()
    {
        var ex = Refused(Body(new JsonObject { ["type"] = "mcp", ["server_label"] = "x" }));
        Assert.Equal("tools[0].server_url", ex.Param);
        Assert.Contains("server_url", ex.Message);
    }

    [Theory]
    [InlineData("\"sometimes\"")]
    [InlineData("{\"never\":{\"tool_names\":\"a\"}}")]
    [InlineData("{\"never\":{}}")]
    [InlineData("{\"maybe\":{\"tool_names\":[\"a\"]}}")]
    [InlineData("{\"always\":{\"read_only\":\"yes\"}}")]
    public void Parse_MalformedRequireApproval_IsRefusedNamingTheField(string value)
    {
        var ex = Refused(Body(new JsonObject { ["type"] = "mcp", ["server_url"] = "https://a.example/mcp", ["require_approval"] = JsonNode.Parse(value) }));
        Assert.StartsWith("tools[0].require_approval", ex.Param);
    }

    [Fact]
    public void Parse_RequireApproval_IsKeptOnTheServer()
    {
        var request = ChatCompletionRequestParser.Parse(Body(new JsonObject
        {
            ["type"] = "mcp", ["server_url"] = "https://a.example/mcp", ["require_approval"] = JsonNode.Parse("""{"never":{"tool_names":["read"]}}"""),
        }));

        var policy = Assert.Single(request.Run.McpServers).RequireApproval;
        Assert.False(policy.Requires(new Tool { Name = "read" }));
        Assert.True(policy.Requires(new Tool { Name = "write" }));
    }

    [Fact]
    public void Parse_FrontMatterRequireApproval_AppliesToItsServers()
    {
        var body = new JsonObject
        {
            ["model"] = "m",
            ["messages"] = new JsonArray(new JsonObject
            {
                ["role"] = "system",
                ["content"] = "---\nmcp: https://a.example/mcp\nrequire_approval:\n  never:\n    read_only: true\n---\nHelpful.",
            }),
        };

        var policy = Assert.Single(ChatCompletionRequestParser.Parse(body).Run.McpServers).RequireApproval;

        Assert.False(policy.Requires(new Tool { Name = "read", Annotations = new ToolAnnotations { ReadOnlyHint = true } }));
        Assert.True(policy.Requires(new Tool { Name = "write" }));
    }

    [Theory]
    [InlineData("ftp://a.example/mcp")]
    [InlineData("not a url")]
    [InlineData("/relative/mcp")]
    [InlineData("https://user:secret@a.example/mcp")]
    public void Parse_BadServerUrl_IsRefused(string url)
    {
        var ex = Refused(Body(new JsonObject { ["type"] = "mcp", ["server_url"] = url }));
        Assert.Equal("tools[0].server_url", ex.Param);
        Assert.DoesNotContain("secret", ex.Message);
    }

    [Fact]
    public void Parse_SameServerTwice_IsRefused() =>
        Refused(Body(
            new JsonObject { ["type"] = "mcp", ["server_url"] = "https://a.example/mcp" },
            new JsonObject { ["type"] = "mcp", ["url"] = "https://a.example/mcp#frag" }));

    [Theory]
    [InlineData("{\"read_only\":true}")]
    [InlineData("[1]")]
    [InlineData("\"echo\"")]
    public void Parse_BadAllowedTools_IsRefused(string value) =>
        Refused(Body(new JsonObject { ["type"] = "mcp", ["server_url"] = "https://a.example/mcp", ["allowed_tools"] = JsonNode.Parse(value) }));

    [Theory]
    [InlineData("{\"Host\":\"evil\"}")]
    [InlineData("{\"X-Ok\":\"a\\r\\nInjected: 1\"}")]
    [InlineData("{\"bad header\":\"a\"}")]
    [InlineData("{\"X-Number\":1}")]
    public void Parse_BadHeaders_AreRefused(string value) =>
        Refused(Body(new JsonObject { ["type"] = "mcp", ["server_url"] = "https://a.example/mcp", ["headers"] = JsonNode.Parse(value) }));

    [Theory]
    [InlineData("mcp_output", "\"html\"")]
    [InlineData("max_rounds", "0")]
    [InlineData("max_rounds", "101")]
    [InlineData("max_rounds", "2.5")]
    [InlineData("stream", "\"yes\"")]
    public void Parse_BadEngineFields_AreRefused(string field, string value)
    {
        var body = Body(new JsonObject { ["type"] = "mcp", ["server_url"] = "https://a.example/mcp" });
        body[field] = JsonNode.Parse(value);
        Assert.Equal(field, Refused(body).Param);
    }

    [Fact]
    public void Parse_FullMcpTool_KeepsEverything()
    {
        var request = ChatCompletionRequestParser.Parse(Body(
            new JsonObject
            {
                ["type"] = "mcp",
                ["server_url"] = "https://a.example/mcp",
                ["server_label"] = "notes",
                ["allowed_tools"] = new JsonArray("search"),
                ["headers"] = new JsonObject { ["X-Api-Key"] = "k" },
                ["require_approval"] = "never",
            },
            new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "mine" } }));

        var server = Assert.Single(request.Run.McpServers);
        Assert.Equal(new Uri("https://a.example/mcp"), server.ServerUrl);
        Assert.Equal("notes", server.Label);
        Assert.Equal(["search"], server.AllowedTools!);
        Assert.Equal("k", server.Headers["x-api-key"]);
        Assert.Equal("mine", (string?)Assert.Single(request.Run.CallerTools)!["function"]!["name"]);
    }

    [Fact]
    public void Parse_DoesNotChangeTheCallersBody()
    {
        var body = Body(new JsonObject { ["type"] = "mcp", ["server_url"] = "https://a.example/mcp" });
        var before = body.ToJsonString();
        ChatCompletionRequestParser.Parse(body);
        Assert.Equal(before, body.ToJsonString());
    }

    [Fact]
    public void FrontMatter_NamesServersAndProfile_AndIsRemoved()
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "---\nmcp:\n  - https://a.example/mcp\n  - https://b.example/mcp\nprofile: work\n---\nYou are helpful." },
                new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        };

        var request = ChatCompletionRequestParser.Parse(body);

        Assert.True(ChatCompletionRequestParser.MayUseMcp(body));
        Assert.Equal(["https://a.example/mcp", "https://b.example/mcp"], request.Run.McpServers.Select(s => s.ServerUrl.AbsoluteUri));
        Assert.Equal("work", request.Run.Profile);
        Assert.Equal("You are helpful.", (string?)request.Run.Messages[0]!["content"]);
    }

    [Fact]
    public void FrontMatter_SingleUrlInAUserMessageWithParts_Works()
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "---\r\nmcp: https://a.example/mcp\r\n---\r\nWhat's new?" }),
            }),
        };

        var request = ChatCompletionRequestParser.Parse(body);

        Assert.Equal("https://a.example/mcp", Assert.Single(request.Run.McpServers).ServerUrl.AbsoluteUri);
        Assert.Equal("What's new?", (string?)request.Run.Messages[0]!["content"]![0]!["text"]);
    }

    [Fact]
    public void FrontMatter_WithoutMcpOrProfile_IsLeftAsThePersonWroteIt()
    {
        const string document = "---\ntitle: My notes\n---\nSummarise this.";
        var body = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = document }) };

        var request = ChatCompletionRequestParser.Parse(body);

        Assert.False(request.Run.HasMcpServers);
        Assert.Equal(document, (string?)request.Run.Messages[0]!["content"]);
    }

    [Fact]
    public void FrontMatter_ThatIsNotYaml_IsLeftAlone()
    {
        const string text = "---\n: : [unclosed\n---\nrest";
        var body = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }) };
        Assert.Equal(text, (string?)ChatCompletionRequestParser.Parse(body).Run.Messages[0]!["content"]);
    }

    [Fact]
    public void FrontMatter_WithABadUrl_IsRefused()
    {
        var body = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "---\nmcp: file:///etc/passwd\n---\nhi" }) };
        Assert.Equal("messages", Refused(body).Param);
    }

    [Fact]
    public void MayUseMcp_PlainRequest_IsFalse()
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
            ["tools"] = new JsonArray(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "f" } }),
        };
        Assert.False(ChatCompletionRequestParser.MayUseMcp(body));
    }
}
