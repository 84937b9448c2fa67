using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Tests.Approvals;

public sealed class McpApprovalPolicyTests
{
    private static readonly Tool Reader = new() { Name = "read", Annotations = new ToolAnnotations { ReadOnlyHint = true } };
    private static readonly Tool Writer = new() { Name = "write", Annotations = new ToolAnnotations { ReadOnlyHint = false } };
    private static readonly Tool Unannotated = new() { Name = "other" };

    private static McpApprovalPolicy Policy(string json) => McpApprovalPolicy.Parse(JsonNode.Parse(json), "require_approval");

    [Theory]
    [InlineData("\"never\"", false, false, false)]
    [InlineData("\"always\"", true, true, true)]
    [InlineData("""{"never":{"tool_names":["read"]}}""", false, true, true)]
    [InlineData("""{"always":{"tool_names":["write"]}}""", false, true, false)]
    [InlineData("""{"never":{"read_only":true}}""", false, true, true)]
    [InlineData("""{"always":{"read_only":false}}""", false, true, true)]
    [InlineData("""{"always":{"tool_names":["write","read"],"read_only":false}}""", false, true, false)]
    [InlineData("""{"always":{"tool_names":["read"]},"never":{"tool_names":["read","write"]}}""", true, false, true)]
    public void Requires_MatchesNamesAndReadOnlyHint(string policy, bool reader, bool writer, bool unannotated)
    {
        var parsed = Policy(policy);

        Assert.Equal(reader, parsed.Requires(Reader));
        Assert.Equal(writer, parsed.Requires(Writer));
        Assert.Equal(unannotated, parsed.Requires(Unannotated));
    }

    [Fact]
    public void Parse_Null_IsNever()
    {
        Assert.True(McpApprovalPolicy.Parse(null, "x").IsNever);
        Assert.False(McpApprovalPolicy.Parse(null, "x").Requires(Writer));
    }
}
