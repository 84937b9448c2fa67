using System.Net.Http.Json;
using System.Text.Json.Nodes;
using McpSubAgent.IdentityProvider.ClientRegistration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;

namespace McpSubAgent.IdentityProvider.Tests.Registration;

/// <summary>
/// A real Kestrel app on 127.0.0.1 with OpenIddict's core over a SQLite file, client registration, the rate limiter
/// and the metadata-document middleware. <c>/connect/authorize</c> and <c>/connect/token</c> answer
/// <c>{"client_id", "exists"}</c>; with <see cref="HostSettings.AuthorizationServer"/> OpenIddict's server runs in
/// front of them (passthrough), so they are reached only when OpenIddict accepted the request.
/// </summary>
public sealed class RegistrationTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private RegistrationTestHost(WebApplication app, string directory, Uri baseAddress, CollectedLogs logs)
    {
        _app = app;
        _directory = directory;
        BaseAddress = baseAddress;
        Logs = logs;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public CollectedLogs Logs { get; }

    /// <summary>The MCP resource as <c>PublicOrigin</c> derives it from this host's requests.</summary>
    public string McpResource => new Uri(BaseAddress, "mcp").AbsoluteUri;

    public sealed record HostSettings
    {
        public Action<ClientRegistrationOptions>? Configure { get; init; }

        public TimeProvider? TimeProvider { get; init; }

        public bool AuthorizationServer { get; init; }

        /// <summary>Configuration keys, to check that options bind from their documented section.</summary>
        public IReadOnlyDictionary<string, string?>? Configuration { get; init; }
    }

    public static async Task<RegistrationTestHost> StartAsync(HostSettings? settings = null, CancellationToken cancellationToken = default)
    {
        settings ??= new HostSettings();
        var directory = Path.Combine(Path.GetTempPath(), "mcpsubagent-registration-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        if (settings.Configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings.Configuration);
        }

        var logs = new CollectedLogs();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning).AddFilter("OpenIddict", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        if (settings.TimeProvider is not null)
        {
            builder.Services.AddSingleton(settings.TimeProvider);
        }

        builder.Services.AddDbContext<TestDbContext>(options => options
            .UseSqlite($"Data Source={Path.Combine(directory, "registration.db")}")
            .UseOpenIddict());
        var openIddict = builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<TestDbContext>())
            .AddCore(core => core.UseLoopbackRedirectUriPortMatching());
        if (settings.AuthorizationServer)
        {
            openIddict.AddServer(server =>
            {
                server.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
                server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().RequireProofKeyForCodeExchange();
                server.RegisterScopes([.. IdentityProviderScopes.ForMcpClients]);
                server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });
        }

        builder.Services.AddClientRegistration();
        if (settings.Configure is not null)
        {
            builder.Services.Configure(settings.Configure);
        }

        var app = builder.Build();
        app.UseRateLimiter();
        app.UseClientMetadataDocuments();
        if (settings.AuthorizationServer)
        {
            app.UseAuthentication();
        }

        app.MapClientRegistration();
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], EchoClientAsync);
        app.MapPost("/connect/token", EchoClientAsync);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TestDbContext>().Database.EnsureCreatedAsync(cancellationToken);
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception)
        {
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new RegistrationTestHost(app, directory, new Uri(address.TrimEnd('/') + "/"), logs);
    }

    /// <summary>Runs <paramref name="action"/> with OpenIddict's application manager of a fresh scope.</summary>
    public async Task<T> WithApplicationsAsync<T>(Func<IOpenIddictApplicationManager, Task<T>> action)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>());
    }

    /// <summary>The stored application of <paramref name="clientId"/> as a descriptor, or null.</summary>
    public Task<OpenIddictApplicationDescriptor?> FindAsync(string clientId, CancellationToken cancellationToken) =>
        WithApplicationsAsync(async applications =>
        {
            var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
            if (application is null)
            {
                return null;
            }

            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, application, cancellationToken);
            return descriptor;
        });

    public Task<long> CountApplicationsAsync(CancellationToken cancellationToken) =>
        WithApplicationsAsync(applications => applications.CountAsync(cancellationToken).AsTask());

    /// <summary>GET /connect/authorize with this client id; whether the (echo or passthrough) endpoint saw the application.</summary>
    public async Task<bool> AuthorizeSeesClientAsync(string clientId, CancellationToken cancellationToken)
    {
        using var response = await Client.GetAsync($"connect/authorize?client_id={Uri.EscapeDataString(clientId)}", cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return body!["exists"]!.GetValue<bool>();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await LoopbackApps.StopAndDeleteAsync(_app, _directory);
    }

    private static async Task<IResult> EchoClientAsync(HttpContext context, IOpenIddictApplicationManager applications)
    {
        string? clientId = context.Request.Query["client_id"];
        if (context.Request.HasFormContentType)
        {
            clientId = (await context.Request.ReadFormAsync(context.RequestAborted))["client_id"];
        }

        var exists = clientId is not null && await applications.FindByClientIdAsync(clientId, context.RequestAborted) is not null;
        return Results.Json(new JsonObject { ["client_id"] = clientId, ["exists"] = exists });
    }
}
