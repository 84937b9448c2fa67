using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.IdentityProvider.Broker;
using McpSubAgent.IdentityProvider.Broker.Storage;
using McpSubAgent.IdentityProvider.Broker.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace McpSubAgent.IdentityProvider.Tests.Broker;

/// <summary>
/// The login broker over a SQLite file in a real Kestrel app on 127.0.0.1 that is also the downstream authorization
/// server: its <c>/token</c> answers what the test scripts. A stored connection whose access token has expired makes
/// the broker's credential port refresh it there, so the broker's reading of token responses is tested from the outside.
/// </summary>
public sealed class TokenEndpointHost : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mcpsubagent-broker-tests", Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;

    private TokenEndpointHost()
    {
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The downstream MCP server the stored connection is for (nothing answers there: discovery fails).</summary>
    public Uri ServerUrl => new(BaseAddress, "mcp");

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 4, 8, 0, 0, TimeSpan.Zero));

    /// <summary>What <c>/token</c> answers: status, content type and body.</summary>
    public (int Status, string ContentType, string Body) TokenResponse { get; set; } = (200, "application/json", "{}");

    /// <summary>The forms <c>/token</c> received.</summary>
    public List<IReadOnlyDictionary<string, string>> TokenRequests { get; } = [];

    public static async Task<TokenEndpointHost> StartAsync(CancellationToken cancellationToken)
    {
        var host = new TokenEndpointHost();
        Directory.CreateDirectory(host._directory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddDbContext<BrokerTestDbContext>(options => options.UseSqlite($"Data Source={Path.Combine(host._directory, "broker.db")}"));
        builder.Services.Configure<CompletionsOptions>(o => o.AllowPrivateNetworkServers = true);
        builder.Services.AddDownstreamLoginBroker<BrokerTestDbContext>();

        builder.Services.AddSingleton<TimeProvider>(host.Time);
        var app = builder.Build();
        app.MapPost("/token", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            lock (host.TokenRequests)
            {
                host.TokenRequests.Add(form.ToDictionary(f => f.Key, f => f.Value.ToString()));
            }

            var (status, contentType, body) = host.TokenResponse;
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body, context.RequestAborted);
        });

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<BrokerTestDbContext>().Database.EnsureCreatedAsync(cancellationToken);
        }

        host._app = app;
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        host.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return host;
    }

    /// <summary>Stores a connected login to <see cref="ServerUrl"/> whose access token expired a minute ago.</summary>
    public async Task StoreExpiredConnectionAsync(string userKey, string? refreshToken, CancellationToken cancellationToken)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var protector = scope.ServiceProvider.GetRequiredService<TokenProtector>();
        var db = scope.ServiceProvider.GetRequiredService<BrokerTestDbContext>();
        var authorization = new JsonObject
        {
            ["resource"] = ServerUrl.AbsoluteUri,
            ["issuer"] = BaseAddress.AbsoluteUri.TrimEnd('/'),
            ["authorization_endpoint"] = new Uri(BaseAddress, "authorize").AbsoluteUri,
            ["token_endpoint"] = new Uri(BaseAddress, "token").AbsoluteUri,
            ["client_id_metadata_document_supported"] = false,
            ["token_endpoint_auth_methods"] = new JsonArray("none"),
            ["iss_parameter_supported"] = false,
            ["scope"] = "files:read",
        };
        var client = new JsonObject { ["client_id"] = "broker-client", ["token_endpoint_auth_method"] = "none", ["source"] = "pre_registered" };
        var key = ConnectionKey.For(userKey, null, ServerUrl);
        db.DownstreamConnections.Add(new DownstreamConnection
        {
            Id = key,
            Key = key,
            UserKey = userKey,
            ServerUrl = ServerUrl.AbsoluteUri,
            AuthorizationJson = authorization.ToJsonString(),
            ProtectedClient = protector.Protect(client, TestJsonContext.Default.JsonObject),
            ProtectedTokens = protector.Protect(new DownstreamTokens("old-access", refreshToken, "Bearer"), DownstreamTokens.TypeInfo),
            Scope = "files:read",
            AccessTokenExpiresAt = Time.GetUtcNow().AddMinutes(-1),
            Status = DownstreamConnectionStatus.Connected,
            CreatedAt = Time.GetUtcNow().AddHours(-1),
            UpdatedAt = Time.GetUtcNow().AddHours(-1),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Asks the engine's credential port (the broker) for the user's credential to <see cref="ServerUrl"/>.</summary>
    public async Task<McpCredential> GetCredentialAsync(string userKey, CancellationToken cancellationToken) =>
        await _app.Services.GetRequiredService<IMcpCredentialProvider>()
            .GetCredentialAsync(new McpCredentialRequest(userKey, null, ServerUrl, new Dictionary<string, string>()), cancellationToken);

    /// <summary>The stored connection and its decrypted tokens (null once a login is needed).</summary>
    public async Task<(DownstreamConnection Connection, DownstreamTokens? Tokens)> StoredAsync(string userKey, CancellationToken cancellationToken)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var key = ConnectionKey.For(userKey, null, ServerUrl);
        var connection = await scope.ServiceProvider.GetRequiredService<BrokerTestDbContext>().DownstreamConnections.AsNoTracking()
            .SingleAsync(c => c.Key == key, cancellationToken);
        var tokens = connection.ProtectedTokens is null
            ? null
            : scope.ServiceProvider.GetRequiredService<TokenProtector>().Unprotect(connection.ProtectedTokens, DownstreamTokens.TypeInfo);
        return (connection, tokens);
    }

    public async ValueTask DisposeAsync()
    {
        await LoopbackApps.StopAndDeleteAsync(_app, _directory);
    }
}

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
