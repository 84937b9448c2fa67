using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.IdentityProvider.Tests.Broker;

public sealed class BearerChallengeTests
{
    [Fact]
    public void Parse_AllParametersQuoted_ReadsThem()
    {
        var challenge = BearerChallenge.Parse(
            """Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", scope="files:read files:write", error="insufficient_scope" """);

        Assert.Equal("https://mcp.example/.well-known/oauth-protected-resource/mcp", challenge.ResourceMetadata);
        Assert.Equal("files:read files:write", challenge.Scope);
        Assert.True(challenge.IsInsufficientScope);
    }

    [Fact]
    public void Parse_BearerAfterAnotherScheme_ReadsTheBearerOne()
    {
        var challenge = BearerChallenge.Parse("""Basic realm="intranet", Bearer scope="read" """);

        Assert.Equal("read", challenge.Scope);
        Assert.Null(challenge.ResourceMetadata);
    }

    [Fact]
    public void Parse_TokenValuesAndAFollowingChallenge_StopsAtTheNextScheme()
    {
        var challenge = BearerChallenge.Parse("""Bearer realm="mcp", error=invalid_token, Basic scope="other" """);

        Assert.Equal("invalid_token", challenge.Error);
        Assert.False(challenge.IsInsufficientScope);
        Assert.Null(challenge.Scope);
    }

    [Fact]
    public void Parse_EscapedQuotesAndRepeatedNames_UnescapesAndKeepsTheFirst()
    {
        var challenge = BearerChallenge.Parse("""Bearer scope="a \"b\"", SCOPE="second" """);

        Assert.Equal("a \"b\"", challenge.Scope);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Basic realm=\"x\"")]
    [InlineData("Bearer")]
    [InlineData("Bearer ,,, =")]
    public void Parse_NoBearerParameters_IsEmpty(string? header)
    {
        var challenge = BearerChallenge.Parse(header);

        Assert.Equal(new BearerChallenge(null, null, null), challenge);
    }

    [Fact]
    public void Parse_UnterminatedQuote_TakesTheRestWithoutThrowing()
    {
        var challenge = BearerChallenge.Parse("Bearer scope=\"read write");

        Assert.Equal("read write", challenge.Scope);
    }
}
