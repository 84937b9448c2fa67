using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace McpSubAgent.Testing.Mcp;

/// <summary>
/// A fault-injecting MCP server on loopback (streamable HTTP, stateless, JSON responses) with one tool, <c>flood</c>,
/// whose result is <c>megabytes</c> MB of text streamed as it is written: the server itself holds 64 KB at a time, so a
/// client that reads it all pays for it and a client that stops reading costs the server nothing.
/// </summary>
public sealed class FloodingMcpServer : IAsyncDisposable
{
    private static readonly byte[] Filler = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
    private WebApplication? _app;
    private int _calls;

    private FloodingMcpServer()
    {
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>tools/call requests received.</summary>
    public int CallCount => Volatile.Read(ref _calls);

    public static async Task<FloodingMcpServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new FloodingMcpServer();
        var app = LoopbackWebApp.CreateBuilder().Build();
        app.MapPost("/mcp", server.HandleAsync);
        app.MapGet("/mcp", (HttpContext context) => Results.StatusCode(StatusCodes.Status405MethodNotAllowed));
        app.MapDelete("/mcp", () => Results.Ok());
        server._app = app;
        server.Endpoint = new Uri(await LoopbackWebApp.StartAsync(app, cancellationToken), "mcp");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await LoopbackWebApp.StopAsync(_app);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var request = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: cancellationToken) as JsonObject;
        var id = request?["id"]?.DeepClone();
        var method = (string?)request?["method"];
        if (id is null)
        {
            // Notifications (notifications/initialized) get no answer.
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        context.Response.ContentType = "application/json";
        switch (method)
        {
            case "initialize":
                await WriteAsync(context, id, new JsonObject
                {
                    ["protocolVersion"] = (string?)request!["params"]?["protocolVersion"] ?? "2025-06-18",
                    ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
                    ["serverInfo"] = new JsonObject { ["name"] = "flood", ["version"] = "1.0.0" },
                });
                return;
            case "tools/list":
                await WriteAsync(context, id, new JsonObject
                {
                    ["tools"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "flood",
                        ["description"] = "Returns the given number of megabytes of text.",
                        ["inputSchema"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["properties"] = new JsonObject { ["megabytes"] = new JsonObject { ["type"] = "integer" } },
                        },
                        ["annotations"] = new JsonObject { ["readOnlyHint"] = true },
                    }),
                });
                return;
            case "tools/call":
                Interlocked.Increment(ref _calls);
                var megabytes = (int?)request!["params"]?["arguments"]?["megabytes"] ?? 1;
                await FloodAsync(context, id, megabytes, cancellationToken);
                return;
            default:
                await context.Response.WriteAsync(
                    new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new JsonObject { ["code"] = -32601, ["message"] = "Method not found" } }.ToJsonString(),
                    cancellationToken);
                return;
        }
    }

    private static Task WriteAsync(HttpContext context, JsonNode id, JsonObject result) =>
        context.Response.WriteAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result }.ToJsonString(), context.RequestAborted);

    private async Task FloodAsync(HttpContext context, JsonNode id, int megabytes, CancellationToken cancellationToken)
    {
        try
        {
            await context.Response.WriteAsync($$"""{"jsonrpc":"2.0","id":{{id.ToJsonString()}},"result":{"content":[{"type":"text","text":""", cancellationToken);
            for (long sent = 0; sent < megabytes * 1024L * 1024L; sent += Filler.Length)
            {
                await context.Response.Body.WriteAsync(Filler, cancellationToken);
            }

            await context.Response.WriteAsync("\"}]}}", cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client stopped reading: that is the point.
        }
    }
}
