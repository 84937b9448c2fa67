using System.Net;
using McpSubAgent.IdentityProvider;
using McpSubAgent.IdentityProvider.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Tests.Hosting;

public sealed class HttpsRequirementMiddlewareTests
{
    private static async Task<(int Status, bool Passed)> RunAsync(string remoteAddress, bool https, bool requireHttps = true)
    {
        var passed = false;
        var middleware = new HttpsRequirementMiddleware(_ =>
        {
            passed = true;
            return Task.CompletedTask;
        }, Options.Create(new IdentityProviderOptions { RequireHttps = requireHttps }));
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider(),
        };
        context.Connection.RemoteIpAddress = IPAddress.Parse(remoteAddress);
        context.Request.Scheme = https ? "https" : "http";
        context.Response.Body = new MemoryStream();

        await middleware.InvokeAsync(context);
        return (context.Response.StatusCode, passed);
    }

    [Theory]
    [InlineData("203.0.113.5")]
    [InlineData("10.0.0.8")]
    [InlineData("2001:db8::1")]
    public async Task PlainHttp_FromAnotherMachine_IsRefused(string remote)
    {
        var (status, passed) = await RunAsync(remote, https: false);
        Assert.Equal(400, status);
        Assert.False(passed);
    }

    [Theory]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("::ffff:127.0.0.1", false, true)]
    [InlineData("203.0.113.5", true, true)]
    [InlineData("203.0.113.5", false, false)]
    public async Task Https_Loopback_OrTurnedOff_PassesThrough(string remote, bool https, bool requireHttps)
    {
        var (_, passed) = await RunAsync(remote, https, requireHttps);
        Assert.True(passed);
    }
}
