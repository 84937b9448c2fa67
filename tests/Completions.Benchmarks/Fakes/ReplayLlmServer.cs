using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.Completions.Benchmarks.Fakes;

/// <summary>
/// A zero-latency fake LLM on real Kestrel (127.0.0.1, random port) that answers with the scripted fake's recorded
/// bytes, writing a stream event by event as the scripted fake does (headers first, then one write per event), but
/// keeping no record of the requests beyond the last few.
/// </summary>
internal sealed class ReplayLlmServer : IAsyncDisposable
{
    private readonly RecordedAnswers _answers;
    private readonly RecentBodies _recent = new();
    private WebApplication? _app;

    private ReplayLlmServer(RecordedAnswers answers)
    {
        _answers = answers;
    }

    /// <summary>The OpenAI base URL, "http://127.0.0.1:{port}/v1/".</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public int RequestCount => _recent.Count;

    public IReadOnlyList<System.Text.Json.Nodes.JsonObject> RequestsFrom(int first) => _recent.From(first);

    public static async Task<ReplayLlmServer> StartAsync(RecordedAnswers answers, CancellationToken cancellationToken)
    {
        var server = new ReplayLlmServer(answers);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        server._app = app;
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, cancellationToken);
        var bytes = body.ToArray();
        _recent.Add(bytes);
        var answer = _answers.For(bytes);

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = answer.ContentType;
        if (!answer.IsStream)
        {
            await context.Response.Body.WriteAsync(answer.Body, cancellationToken);
            return;
        }

        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(cancellationToken);
        foreach (var e in answer.Events)
        {
            await context.Response.Body.WriteAsync(e, cancellationToken);
        }
    }
}
