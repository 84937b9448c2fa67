using McpSubAgent.IdentityProvider.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Tests.Hosting;

public sealed class PublicOriginTests
{
    private static HttpRequest Request(string scheme, string host, string pathBase = "")
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = scheme;
        context.Request.Host = new HostString(host);
        context.Request.PathBase = new PathString(pathBase);
        return context.Request;
    }

    [Fact]
    public void IssuerAndMcpResource_FollowEachRequestsOrigin_WhenTheOriginChangesBetweenRequests()
    {
        var origin = new PublicOrigin(Options.Create(new PublicOriginOptions()));
        HttpRequest[] requests =
        [
            Request("http", "127.0.0.1:5000"),
            Request("http", "127.0.0.1:5000"),
            Request("https", "127.0.0.1:5000"),
            Request("http", "localhost:5000"),
            Request("http", "localhost:5000", "/agents"),
            Request("http", "127.0.0.1:5000"),
        ];

        foreach (var request in requests)
        {
            var (issuer, resource) = origin.IssuerAndMcpResource(request);
            Assert.Equal(origin.Issuer(request), issuer);
            Assert.Equal(origin.McpResource(request).AbsoluteUri, resource);
        }

        Assert.Equal(("http://localhost:5000/agents/", "http://localhost:5000/agents/mcp"), origin.IssuerAndMcpResource(requests[4]));
        Assert.Equal(("https://127.0.0.1:5000/", "https://127.0.0.1:5000/mcp"), origin.IssuerAndMcpResource(requests[2]));
    }

    [Fact]
    public void IssuerAndMcpResource_UseTheConfiguredBaseUrl_WhateverTheRequestSays()
    {
        var origin = new PublicOrigin(Options.Create(new PublicOriginOptions { PublicBaseUrl = "https://agents.example.com" }));

        Assert.Equal(("https://agents.example.com/", "https://agents.example.com/mcp"), origin.IssuerAndMcpResource(Request("http", "127.0.0.1:5000")));
        Assert.Equal(("https://agents.example.com/", "https://agents.example.com/mcp"), origin.IssuerAndMcpResource(Request("http", "evil.example")));
    }
}
