using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Hosting;

/// <summary>
/// OpenTelemetry is collected only when an OTLP endpoint is configured (without one nothing would read it); with one,
/// the request spans reach the collector and health probes are left out.
/// </summary>
public sealed class TelemetryExportTests
{
    // An attribute url.path whose string value is exactly the path: key, two to six bytes of protobuf framing, value.
    private static Regex ServerSpanOf(string path) => new($@"url\.path[\s\S]{{2,6}}{Regex.Escape(path)}(?![/a-z])");

    [Fact]
    public async Task WithAnOtlpEndpoint_RequestSpansAreExported_AndProbesAreNot()
    {
        var traces = Channel.CreateUnbounded<byte[]>();
        var collector = WebApplication.CreateSlimBuilder();
        collector.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = collector.Build();
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (signal == "traces")
            {
                await traces.Writer.WriteAsync(body.ToArray());
            }

            return Results.Ok();
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        using var http = host.CreateHttpClient();
        (await http.GetAsync("healthz", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await http.GetAsync("healthz/ready", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        using var refused = await http.GetAsync("v1/models", TestContext.Current.CancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var exported = new StringBuilder();
        while (!ServerSpanOf("/v1/models").IsMatch(exported.ToString()))
        {
            // The protobuf body holds attribute keys and values and the service name as plain bytes. The test's own
            // HttpClient runs in the server's process, so its client spans (url.full) are exported too; server spans
            // carry url.path.
            exported.Append(Encoding.Latin1.GetString(await traces.Reader.ReadAsync(timeout.Token)));
        }

        var spans = exported.ToString();
        Assert.Contains("mcpsubagent", spans, StringComparison.Ordinal);
        Assert.DoesNotMatch(ServerSpanOf("/healthz"), spans);
    }
}
