using System.Net;
using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>The real server (its Program) on Kestrel at a loopback port, with its own SQLite file or a given database.</summary>
internal sealed class SubAgentHost : IAsyncDisposable
{
    private readonly Factory _factory;

    private SubAgentHost(Factory factory, TestDatabase database)
    {
        _factory = factory;
        Database = database;
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public Uri BaseUrl { get; }

    public Uri McpUrl => new(BaseUrl, "mcp");

    public TestDatabase Database { get; }

    /// <summary>The SQLite file (only for hosts on SQLite).</summary>
    public string DatabasePath => Database.SqlitePath ?? throw new InvalidOperationException("This host is not on SQLite.");

    public IServiceProvider Services => _factory.Services;

    /// <summary>Starts a host; pass the database of an earlier host to simulate a restart.</summary>
    public static Task<SubAgentHost> StartAsync(
        string? databasePath = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, int port = 0)
        => StartAsync(TestDatabase.SqliteFile(databasePath), settings, services, port);

    /// <summary>Starts a host on <paramref name="database"/> (another host's, to simulate a replica or a restart).</summary>
    public static Task<SubAgentHost> StartAsync(
        TestDatabase database, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, int port = 0)
    {
        var factory = new Factory(database, settings ?? new Dictionary<string, string?>(), services);
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        factory.StartServer();
        return Task.FromResult(new SubAgentHost(factory, database));
    }

    public async Task CreateUserAsync(string email, string password)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var result = await users.CreateAsync(new AppUser { UserName = email, Email = email, EmailConfirmed = true }, password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseUrl };

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private sealed class Factory(TestDatabase database, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services)
        : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Database:Provider", database.Provider);
            builder.UseSetting("ConnectionStrings:Default", database.ConnectionString);
            if (database.KeyDirectory is not null)
            {
                builder.UseSetting("DataProtection:KeyDirectory", database.KeyDirectory);
            }

            builder.UseSetting("Completions:AllowPrivateNetworkServers", "true");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            // A query EF Core warns about at run time (a Take without an OrderBy: rows of its choosing) fails the test that runs it.
            builder.ConfigureServices(s => s.ConfigureDbContext<SqliteAppDbContext>(o =>
                o.ConfigureWarnings(w => w.Throw(CoreEventId.RowLimitingOperationWithoutOrderByWarning))));
            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        }
    }
}
