using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Accounts;

namespace McpSubAgent.EndToEnd.Tests.IdentityProvider;

public sealed class UsersCommandTests
{
    [Fact]
    public async Task AddListRemove_ManagesAccounts()
    {
        await using var host = await SubAgentHost.StartAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(0, await UsersCommand.RunAsync(host.Services, ["add", "lin@example.com", "--password", "Strong-Password-42"], output, error));
        Assert.Equal(1, await UsersCommand.RunAsync(host.Services, ["add", "lin@example.com", "--password", "Strong-Password-42"], output, error));
        Assert.Equal(1, await UsersCommand.RunAsync(host.Services, ["add", "weak@example.com", "--password", "weak"], output, error));
        Assert.Equal(0, await UsersCommand.RunAsync(host.Services, ["list"], output, error));
        Assert.Contains("lin@example.com", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("weak@example.com\t", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await UsersCommand.RunAsync(host.Services, ["remove", "lin@example.com"], output, error));
        Assert.Equal(1, await UsersCommand.RunAsync(host.Services, ["remove", "lin@example.com"], output, error));
        Assert.Equal(2, await UsersCommand.RunAsync(host.Services, ["frobnicate"], output, error));

        using var browser = new Browser(host.BaseUrl);
        Assert.Contains("not right", await browser.TryLoginAsync("lin@example.com", "Strong-Password-42"), StringComparison.Ordinal);
    }
}
