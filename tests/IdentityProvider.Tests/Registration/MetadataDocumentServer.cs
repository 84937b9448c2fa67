using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.IdentityProvider.Tests.Registration;

/// <summary>
/// A client's website on 127.0.0.1 serving its client ID metadata document: what it answers is set per test with
/// <see cref="Respond"/>; TCP connections and HTTP requests are counted, so a test can prove nothing reached it.
/// </summary>
public sealed class MetadataDocumentServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;
    private int _requests;

    private MetadataDocumentServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The document URL used as client_id in the tests.</summary>
    public string DocumentUrl => new Uri(BaseAddress, "oauth/client.json").AbsoluteUri;

    public int Connections => Volatile.Read(ref _connections);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Answers every request; 404 until a test sets it.</summary>
    public Func<HttpContext, Task> Respond { get; set; } = context =>
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    };

    public static async Task<MetadataDocumentServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        MetadataDocumentServer? server = null;
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
        {
            Interlocked.Increment(ref server!._connections);
            return next(connection);
        })));

        var app = builder.Build();
        server = new MetadataDocumentServer(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref server._requests);
            return server.Respond(context);
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>Serves <paramref name="json"/> with the given <c>Cache-Control</c>, with or without a <c>Content-Length</c>.</summary>
    public void ServeJson(string json, string? cacheControl = null, bool chunked = false) => Respond = async context =>
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Response.ContentType = "application/json";
        if (cacheControl is not null)
        {
            context.Response.Headers.CacheControl = cacheControl;
        }

        if (!chunked)
        {
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            return;
        }

        foreach (var chunk in bytes.Chunk(4096))
        {
            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    };

    /// <summary>A valid document for <see cref="DocumentUrl"/> (or the given client_id) with the given name and redirect URIs.</summary>
    public string Document(string? clientName = "Example Agent", string[]? redirectUris = null, string? clientId = null) =>
        new System.Text.Json.Nodes.JsonObject
        {
            ["client_id"] = clientId ?? DocumentUrl,
            ["client_name"] = clientName,
            ["client_uri"] = "https://agent.example/",
            ["redirect_uris"] = new System.Text.Json.Nodes.JsonArray([.. (redirectUris ?? ["http://127.0.0.1/callback", "https://agent.example/oauth/callback"]).Select(uri => (System.Text.Json.Nodes.JsonNode?)uri)]),
            ["grant_types"] = new System.Text.Json.Nodes.JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new System.Text.Json.Nodes.JsonArray("code"),
            ["token_endpoint_auth_method"] = "none",
        }.ToJsonString();

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
    }
}
