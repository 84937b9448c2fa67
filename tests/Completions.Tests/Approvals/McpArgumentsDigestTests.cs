using McpSubAgent.Completions.Approvals;

namespace McpSubAgent.Completions.Tests.Approvals;

public sealed class McpArgumentsDigestTests
{
    [Fact]
    public void Compute_SameArgumentsOtherSpacingAndOrder_SameDigest() =>
        Assert.Equal(McpArgumentsDigest.Compute("""{"a":1,"b":{"y":2,"x":[1,2]}}"""), McpArgumentsDigest.Compute("""{ "b": { "x": [1, 2], "y": 2 }, "a": 1 }"""));

    [Theory]
    [InlineData("""{"a":2}""")]
    [InlineData("""{"a":1,"b":null}""")]
    [InlineData("""{"A":1}""")]
    [InlineData("""{"a":"1"}""")]
    public void Compute_OtherArguments_OtherDigest(string other) =>
        Assert.NotEqual(McpArgumentsDigest.Compute("""{"a":1}"""), McpArgumentsDigest.Compute(other));
}
