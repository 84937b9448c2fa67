using System.Net;
using McpSubAgent.IdentityProvider.Accounts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.Tasks.Benchmarks;

/// <summary>The real server (its Program) on Kestrel at a loopback port, in this process, with its own SQLite file.</summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly Factory _factory;

    private ServerHost(Factory factory, string databasePath)
    {
        _factory = factory;
        DatabasePath = databasePath;
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public Uri BaseUrl { get; }

    public Uri McpUrl => new(BaseUrl, "mcp");

    public string DatabasePath { get; }

    public static ServerHost Start(string databasePath, IReadOnlyDictionary<string, string?> settings)
    {
        var factory = new Factory(databasePath, settings);
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        return new ServerHost(factory, databasePath);
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

    private sealed class Factory(string databasePath, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<global::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Default", $"Data Source={databasePath}");
            builder.UseSetting("Completions:AllowPrivateNetworkServers", "true");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
