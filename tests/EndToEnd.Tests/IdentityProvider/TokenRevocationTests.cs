using System.Net;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.IdentityProvider;

/// <summary>
/// Revocation with the token checks remembered for <c>TokenValidation:RevocationCheckInterval</c> (5 s by default):
/// at once when revoked through the same process, within the interval when revoked by another process on the same
/// database (a <c>users remove</c> / <c>clients remove</c> command, another replica).
/// </summary>
public sealed class TokenRevocationTests
{
    private const string Email = "ada@example.com";
    private const string Password = "Analytical-Engine-1843";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task TokenRevokedAtTheEndpointAfterUse_IsRefusedAtOnce()
    {
        await using var host = await SubAgentHost.StartAsync();
        await host.CreateUserAsync(Email, Password);
        using var client = new OAuthTestClient(host);
        var (clientId, tokens) = await client.LogInAsync(Email, Password);
        var access = (string)tokens["access_token"]!;
        await AssertStatusAsync(client, access, HttpStatusCode.OK);

        using var http = host.CreateHttpClient();
        using var revoke = await http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["token"] = access,
        }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        await AssertStatusAsync(client, access, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task UserRemovedByAnotherProcess_TokenIsRefusedWithinTheInterval()
    {
        var clock = new ShiftedTimeProvider();
        await using var host = await SubAgentHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        await host.CreateUserAsync(Email, Password);
        using var client = new OAuthTestClient(host);
        var (clientId, tokens) = await client.LogInAsync(Email, Password);
        var access = (string)tokens["access_token"]!;
        await AssertStatusAsync(client, access, HttpStatusCode.OK);

        // The command runs as its own process against the same database: this server hears nothing of it.
        var output = await RunCommandElsewhereAsync(host, null, "users", "remove", Email);
        Assert.Contains("within 5 seconds", output, StringComparison.Ordinal);

        clock.Advance(Interval + TimeSpan.FromSeconds(1));
        await AssertStatusAsync(client, access, HttpStatusCode.Unauthorized);

        // Its refresh token is revoked as well.
        var refreshed = await client.RefreshAsync(clientId, (string)tokens["refresh_token"]!);
        Assert.Equal(HttpStatusCode.BadRequest, refreshed.Status);
    }

    [Fact]
    public async Task AppClientRemovedByAnotherProcess_TokenIsRefusedWithinTheInterval()
    {
        var clock = new ShiftedTimeProvider();
        await using var host = await SubAgentHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var (clientId, secret) = await AppClients.AddAsync(host, "Reporting");
        var token = await AppClients.TokenAsync(host, clientId, secret);
        using var client = new OAuthTestClient(host);
        await AssertStatusAsync(client, token, HttpStatusCode.OK);

        await RunCommandElsewhereAsync(host, null, "clients", "remove", clientId);

        clock.Advance(Interval + TimeSpan.FromSeconds(1));
        await AssertStatusAsync(client, token, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ZeroInterval_ChecksTheDatabaseOnEveryRequest()
    {
        var settings = new Dictionary<string, string?> { ["TokenValidation:RevocationCheckInterval"] = "00:00:00" };
        await using var host = await SubAgentHost.StartAsync(settings: settings);
        var (clientId, secret) = await AppClients.AddAsync(host, "Reporting");
        var token = await AppClients.TokenAsync(host, clientId, secret);
        using var client = new OAuthTestClient(host);
        await AssertStatusAsync(client, token, HttpStatusCode.OK);

        var output = await RunCommandElsewhereAsync(host, settings, "clients", "remove", clientId);
        Assert.Contains("within the next request", output, StringComparison.Ordinal);

        await AssertStatusAsync(client, token, HttpStatusCode.Unauthorized);
    }

    /// <summary>Runs a command as the command line does, in a process of its own on the same database; returns its output.</summary>
    private static async Task<string> RunCommandElsewhereAsync(SubAgentHost host, IReadOnlyDictionary<string, string?>? settings, params string[] args)
    {
        var (exitCode, output, error) = await ServerProcess.RunCommandAsync(host.Database, args, settings);
        Assert.True(exitCode == 0, error);
        return output;
    }

    private static async Task AssertStatusAsync(OAuthTestClient client, string token, HttpStatusCode expected)
    {
        using var response = await client.CallMcpAsync(token);
        Assert.Equal(expected, response.StatusCode);
    }
}
