using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.Testing.Hosting;

/// <summary>Shared Kestrel setup for the test servers: real sockets on 127.0.0.1 with an OS-chosen port.</summary>
internal static class LoopbackWebApp
{
    // Long enough for in-flight responses to finish, short enough that a stuck test does not hang disposal.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    public static WebApplicationBuilder CreateBuilder(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // The MCP SDK logs every tool exception and cancelled call at Warning/Error; tests provoke those on purpose.
        builder.Logging.AddFilter("ModelContextProtocol", LogLevel.Critical);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        return builder;
    }

    /// <summary>Starts the app and returns its bound base address, e.g. "http://127.0.0.1:41234/".</summary>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        var address = addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        return new Uri(address.TrimEnd('/') + "/");
    }

    public static async ValueTask StopAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(ShutdownTimeout);
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}
