using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace McpSubAgent.Testing.Mcp;

/// <summary>
/// An MCP registry on loopback that serves the official MCP Registry API's search
/// (<c>GET /v0.1/servers?search=…&amp;limit=…</c>) over the servers it is given, matching the search words against
/// names and descriptions as the official registry does.
/// </summary>
public sealed class TestMcpRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _queries = new();
    private readonly ConcurrentQueue<JsonObject> _servers = new();

    private TestMcpRegistry(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The registry's base URL (for <c>Completions:McpRegistryUrl</c>).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The query strings received, in order.</summary>
    public IReadOnlyList<string> Queries => [.. _queries];

    /// <summary>A registry entry: <c>{server: {name, description, version, remotes: [{type, url}]}, _meta}</c>.</summary>
    public static JsonObject Entry(string name, string description, params (string Type, string Url)[] remotes) => new()
    {
        ["server"] = new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["version"] = "1.0.0",
            ["remotes"] = new JsonArray([.. remotes.Select(r => (JsonNode)new JsonObject { ["type"] = r.Type, ["url"] = r.Url })]),
        },
        ["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol.registry/official"] = new JsonObject { ["status"] = "active", ["isLatest"] = true },
        },
    };

    /// <summary>Lists more servers (in search results, in the order added).</summary>
    public void Add(params JsonObject[] entries)
    {
        foreach (var entry in entries)
        {
            _servers.Enqueue(entry);
        }
    }

    public static async Task<TestMcpRegistry> StartAsync(CancellationToken cancellationToken)
    {
        var builder = LoopbackWebApp.CreateBuilder();
        var app = builder.Build();
        var registry = new TestMcpRegistry(app);
        app.MapGet("/v0.1/servers", registry.Search);
        registry.BaseUrl = await LoopbackWebApp.StartAsync(app, cancellationToken);
        return registry;
    }

    public ValueTask DisposeAsync() => LoopbackWebApp.StopAsync(_app);

    private IResult Search(HttpContext context)
    {
        _queries.Enqueue(context.Request.QueryString.Value ?? "");
        var search = context.Request.Query["search"].ToString();
        var limit = int.TryParse(context.Request.Query["limit"], out var n) ? n : 30;
        var matches = _servers
            .Where(s => search.Length == 0
                || ((string?)s["server"]!["name"])!.Contains(search, StringComparison.OrdinalIgnoreCase)
                || ((string?)s["server"]!["description"])!.Contains(search, StringComparison.OrdinalIgnoreCase))
            .Take(limit)
            .Select(s => (JsonNode)s.DeepClone())
            .ToList();
        return Results.Text(new JsonObject
        {
            ["servers"] = new JsonArray([.. matches]),
            ["metadata"] = new JsonObject { ["count"] = matches.Count, ["nextCursor"] = null },
        }.ToJsonString(), "application/json");
    }
}
