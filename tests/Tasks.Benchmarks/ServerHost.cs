using System.Net;
using McpSubAgent.IdentityProvider.Accounts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Tasks.Benchmarks;

/// <summary>The real server (its Program) on Kestrel at a loopback port, in this process, on the run's database.</summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly Factory _factory;

    private ServerHost(Factory factory)
    {
        _factory = factory;
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public Uri BaseUrl { get; }

    public Uri McpUrl => new(BaseUrl, "mcp");

    /// <summary>Starts a server; <paramref name="settings"/> name the database (<c>Database:Provider</c>, <c>ConnectionStrings:Default</c>).</summary>
    public static ServerHost Start(IReadOnlyDictionary<string, string?> settings, int port = 0)
    {
        var factory = new Factory(settings);
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        factory.StartServer();
        return new ServerHost(factory);
    }

    public async Task CreateUserAsync(string email, string password)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var result = await users.CreateAsync(new AppUser { UserName = email, Email = email, EmailConfirmed = true }, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private sealed class Factory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<global::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Completions:AllowPrivateNetworkServers", "true");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
