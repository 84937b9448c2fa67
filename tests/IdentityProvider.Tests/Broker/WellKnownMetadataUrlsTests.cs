using McpSubAgent.IdentityProvider.Broker.Discovery;

namespace McpSubAgent.IdentityProvider.Tests.Broker;

public sealed class WellKnownMetadataUrlsTests
{
    [Fact]
    public void ForIssuer_IssuerWithoutPath_Rfc8414ThenOpenIdConnect()
    {
        var urls = WellKnownMetadataUrls.ForIssuer(new Uri("https://auth.example/"));

        Assert.Equal(
            ["https://auth.example/.well-known/oauth-authorization-server", "https://auth.example/.well-known/openid-configuration"],
            urls.Select(u => u.AbsoluteUri));
    }

    [Fact]
    public void ForIssuer_IssuerWithPath_PathInsertedFormsFirstThenOpenIdConnectAppended()
    {
        var urls = WellKnownMetadataUrls.ForIssuer(new Uri("https://auth.example/tenants/one/"));

        Assert.Equal(
            [
                "https://auth.example/.well-known/oauth-authorization-server/tenants/one",
                "https://auth.example/.well-known/openid-configuration/tenants/one",
                "https://auth.example/tenants/one/.well-known/openid-configuration",
            ],
            urls.Select(u => u.AbsoluteUri));
    }

    [Fact]
    public void ForResource_ServerWithPath_PathInsertedThenRoot()
    {
        var urls = WellKnownMetadataUrls.ForResource(new Uri("https://mcp.example/v1/mcp"));

        Assert.Equal(
            ["https://mcp.example/.well-known/oauth-protected-resource/v1/mcp", "https://mcp.example/.well-known/oauth-protected-resource"],
            urls.Select(u => u.AbsoluteUri));
    }

    [Fact]
    public void ForResource_ServerAtTheRoot_RootOnly()
    {
        var urls = WellKnownMetadataUrls.ForResource(new Uri("https://mcp.example:8443/"));

        Assert.Equal(["https://mcp.example:8443/.well-known/oauth-protected-resource"], urls.Select(u => u.AbsoluteUri));
    }
}
