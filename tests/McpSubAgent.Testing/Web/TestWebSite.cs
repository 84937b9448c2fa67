using System.Collections.Concurrent;
using System.Text;
using McpSubAgent.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace McpSubAgent.Testing.Web;

/// <summary>
/// A web site on loopback that serves the pages it is given, with their content types, and records what it was asked
/// for: the pages of the URL context tests.
/// </summary>
public sealed class TestWebSite : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string ContentType, byte[] Body)> _pages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Uri> _redirects = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Path, string Accept)> _requests = new();

    private TestWebSite(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The site's base URL, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The requests received, in order: the path and the <c>Accept</c> header.</summary>
    public IReadOnlyList<(string Path, string Accept)> Requests => [.. _requests];

    public static async Task<TestWebSite> StartAsync(CancellationToken cancellationToken)
    {
        var app = LoopbackWebApp.CreateBuilder().Build();
        var site = new TestWebSite(app);
        app.MapGet("/{**path}", site.Serve);
        site.BaseUrl = await LoopbackWebApp.StartAsync(app, cancellationToken);
        return site;
    }

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/> (e.g. <c>/docs/guide.md</c>) and returns its URL.</summary>
    public Uri Add(string path, string contentType, byte[] body)
    {
        _pages[path] = (contentType, body);
        return new Uri(BaseUrl, path);
    }

    /// <summary>Serves text in UTF-8.</summary>
    public Uri Add(string path, string contentType, string body) => Add(path, contentType, Encoding.UTF8.GetBytes(body));

    /// <summary>Answers <paramref name="path"/> with a 302 to <paramref name="target"/>.</summary>
    public Uri AddRedirect(string path, Uri target)
    {
        _redirects[path] = target;
        return new Uri(BaseUrl, path);
    }

    /// <summary>How many requests were made for <paramref name="path"/>.</summary>
    public int RequestCount(string path) => _requests.Count(r => r.Path == path);

    public ValueTask DisposeAsync() => LoopbackWebApp.StopAsync(_app);

    private IResult Serve(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        _requests.Enqueue((path, context.Request.Headers.Accept.ToString()));
        if (_redirects.TryGetValue(path, out var target))
        {
            return Results.Redirect(target.AbsoluteUri);
        }

        return _pages.TryGetValue(path, out var page) ? Results.Bytes(page.Body, page.ContentType) : Results.NotFound();
    }
}
