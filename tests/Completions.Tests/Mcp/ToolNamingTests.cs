using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Tests.Infrastructure;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;

namespace McpSubAgent.Completions.Tests.Mcp;

public sealed partial class ToolNamingTests
{
    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex ValidName();

    private static McpServerSpec Server(string url, string? label = null) =>
        new(new Uri(url), label, null, new Dictionary<string, string>());

    [Fact]
    public void Allocate_ReadableNameWhenItFits()
    {
        var taken = new HashSet<string>();
        var name = McpToolNamer.Allocate("mcp-notion-com", new Uri("https://mcp.notion.com/mcp"), "search", taken);
        Assert.Equal("mcp_mcp-notion-com_search", name);
    }

    [Fact]
    public void Allocate_LongToolName_IsCutToSixtyFourWithAHash()
    {
        var taken = new HashSet<string>();
        var longName = new string('a', 150);
        var first = McpToolNamer.Allocate("host", new Uri("https://host/mcp"), longName, taken);
        var second = McpToolNamer.Allocate("host", new Uri("https://host/mcp"), longName + "b", taken);

        Assert.Matches(ValidName(), first);
        Assert.Matches(ValidName(), second);
        Assert.Equal(64, first.Length);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Allocate_NamesThatSanitizeAlike_StayDistinct()
    {
        var taken = new HashSet<string>();
        var url = new Uri("https://host/mcp");
        var names = new[] { "get.item", "get_item", "get item", "get/item" }.Select(n => McpToolNamer.Allocate("host", url, n, taken)).ToList();

        Assert.Equal(4, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches(ValidName(), n));
        Assert.Equal("mcp_host_get_item", names[0]);
    }

    [Fact]
    public void Allocate_AvoidsTheCallersOwnFunctionNames()
    {
        var taken = new HashSet<string> { "mcp_host_search" };
        var name = McpToolNamer.Allocate("host", new Uri("https://host/mcp"), "search", taken);
        Assert.NotEqual("mcp_host_search", name);
        Assert.Matches(ValidName(), name);
    }

    [Fact]
    public void ServerPrefixes_TwoServersOnOneHost_GetDistinctPrefixes()
    {
        var prefixes = McpToolNamer.ServerPrefixes([
            Server("https://example.com/a/mcp"), Server("https://example.com/b/mcp"), Server("https://other.org/mcp", "notes"),
        ]);

        Assert.Equal(["example-com", "example-com-2", "notes"], prefixes);
    }

    [Fact]
    public async Task TwoServersOnOneHost_AllToolsOfferedUnderUniqueNames()
    {
        await using var h = await CompletionsHarness.StartAsync();
        await using var second = await TestMcpServer.StartAsync(new TestMcpServerOptions { Path = "/other/mcp" }, TestContext.Current.CancellationToken);
        h.Llm.Enqueue(
            LlmReply.ToolCalls(
                new LlmToolCall("a", "mcp_127-0-0-1_echo", """{"text":"first"}"""),
                new LlmToolCall("b", "mcp_127-0-0-1-2_echo", """{"text":"second"}""")),
            LlmReply.Text("ok"));

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool(), h.McpTool(second.Endpoint)));

        var names = h.Llm.Requests[0].ToolNames;
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Contains("mcp_127-0-0-1_echo", names);
        Assert.Contains("mcp_127-0-0-1-2_echo", names);
        Assert.Equal(1, h.Mcp.CallCount("echo"));
        Assert.Equal(1, second.CallCount("echo"));
    }

    [Fact]
    public async Task TwoHundredToolsAndAVeryLongName_AllValidUniqueAndCallable()
    {
        var longName = "a_tool_whose_name_goes_on_and_on_" + new string('x', 70);
        await using var h = await CompletionsHarness.StartAsync(mcpOptions: new TestMcpServerOptions
        {
            GeneratedToolCount = 200,
            ExtraToolNames = [longName],
        });
        h.Llm.Responder = r => r.Messages.Count == 1
            ? LlmReply.ToolCalls(new LlmToolCall("c1", r.ToolNames.Single(n => n.StartsWith("mcp_127-0-0-1_a_tool_whose", StringComparison.Ordinal)), "{}"))
            : LlmReply.Text("ok");

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, h.McpTool()));

        var names = h.Llm.Requests[0].ToolNames;
        Assert.True(names.Count >= 201);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches(ValidName(), n));
        Assert.Equal(1, h.Mcp.CallCount(longName));
    }

    [Fact]
    public async Task ServerLabelAndAllowedTools_ShapeTheOfferedTools()
    {
        await using var h = await CompletionsHarness.StartAsync();
        h.Llm.Enqueue(LlmReply.Text("ok"));
        var tool = h.McpTool();
        tool["server_label"] = "tests";
        tool["allowed_tools"] = new JsonObject { ["tool_names"] = new JsonArray("echo", "add") };

        await h.StreamAsync(CompletionsHarness.Body("go", stream: true, tool));

        Assert.Equal(["mcp_tests_echo", "mcp_tests_add"], h.Llm.Requests[0].ToolNames.Order(StringComparer.Ordinal).Reverse());
        var description = (string)h.Llm.Requests[0].Body["tools"]![0]!["function"]!["description"]!;
        Assert.EndsWith("(via MCP server: tests)", description);
        Assert.Equal("object", (string?)h.Llm.Requests[0].Body["tools"]![0]!["function"]!["parameters"]!["type"]);
    }
}
