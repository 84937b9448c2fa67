using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using McpSubAgent.IdentityProvider.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.IdentityProvider.Tests.Webhooks;

public sealed class SignedWebhookTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Send_ReceiverUnreachable_LogsTheFailureWithItsException_AndDeliversTheNextNotice()
    {
        var ct = TestContext.Current.CancellationToken;
        var received = Channel.CreateUnbounded<(string Body, string? Timestamp, string? Signature)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = builder.Build();
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            await received.Writer.WriteAsync((await reader.ReadToEndAsync(), request.Headers[WebhookSignature.TimestampHeader], request.Headers[WebhookSignature.SignatureHeader]));
            return Results.NoContent();
        });
        await receiver.StartAsync(ct);
        var live = new Uri(new Uri(receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "hook");

        var logger = new FailureLogger();
        await using var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        using var webhook = new TestWebhook(services.GetRequiredService<IHttpClientFactory>(), logger) { Target = new Uri($"http://127.0.0.1:{ClosedPort()}/hook") };
        await webhook.StartAsync(ct);

        webhook.Send("""{"n":1}""");
        var failure = await logger.Failure.Task.WaitAsync(Patience, ct);
        webhook.Target = live;
        webhook.Send("""{"n":2}""");
        var (body, timestamp, signature) = await received.Reader.ReadAsync(ct).AsTask().WaitAsync(Patience, ct);

        Assert.IsType<HttpRequestException>(failure);
        Assert.Equal("""{"n":2}""", body);
        Assert.Equal(WebhookSignature.Sign("webhook-secret", timestamp!, Encoding.UTF8.GetBytes(body)), signature);
        await webhook.StopAsync(ct);
    }

    /// <summary>A loopback port nobody listens on: a connection there is refused at once.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class TestWebhook(IHttpClientFactory factory, ILogger logger)
        : SignedWebhook(factory, "test-webhook", TimeProvider.System, logger)
    {
        public Uri? Target { get; set; }

        protected override Uri? Url => Target;

        protected override string? Secret => "webhook-secret";

        public void Send(string json) => Enqueue(Encoding.UTF8.GetBytes(json));
    }

    private sealed class FailureLogger : ILogger
    {
        public TaskCompletionSource<Exception> Failure { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning && exception is not null)
            {
                Failure.TrySetResult(exception);
            }
        }
    }
}
