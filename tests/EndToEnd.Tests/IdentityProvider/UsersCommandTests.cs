using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.IdentityProvider;

public sealed class UsersCommandTests
{
    [Fact]
    public async Task AddListRemove_ManagesAccounts()
    {
        await using var host = await SubAgentHost.StartAsync();

        Assert.Equal(0, await UsersAsync(host, "add", "lin@example.com", "--password", "Strong-Password-42"));
        Assert.Equal(1, await UsersAsync(host, "add", "lin@example.com", "--password", "Strong-Password-42"));
        Assert.Equal(1, await UsersAsync(host, "add", "weak@example.com", "--password", "weak"));
        var (listed, output, _) = await ServerProcess.RunCommandAsync(host.Database, ["users", "list"]);
        Assert.Equal(0, listed);
        Assert.Contains("lin@example.com", output, StringComparison.Ordinal);
        Assert.DoesNotContain("weak@example.com\t", output, StringComparison.Ordinal);
        Assert.Equal(0, await UsersAsync(host, "remove", "lin@example.com"));
        Assert.Equal(1, await UsersAsync(host, "remove", "lin@example.com"));
        Assert.Equal(2, await UsersAsync(host, "frobnicate"));

        using var browser = new Browser(host.BaseUrl);
        Assert.Contains("not right", await browser.TryLoginAsync("lin@example.com", "Strong-Password-42"), StringComparison.Ordinal);
    }

    private static async Task<int> UsersAsync(SubAgentHost host, params string[] args) =>
        (await ServerProcess.RunCommandAsync(host.Database, ["users", .. args])).ExitCode;
}
