using System.Text.Json;

// The bare ASP.NET Core baseline of bench/run.sh: the same requests as the server gets (a JSON-RPC body on POST /mcp,
// GET /healthz), answered by a minimal API with no authentication, no database and no MCP SDK. It parses the body
// and answers with a JSON-RPC result, so the difference to the real server is what the product adds per request.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

app.MapPost("/mcp", async (HttpRequest request, CancellationToken cancellationToken) =>
{
    using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
    var id = body.RootElement.TryGetProperty("id", out var value) ? value.GetRawText() : "null";
    return Results.Text($$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":{"tools":[]}}""", "application/json");
});
app.MapGet("/healthz", () => Results.Text("Healthy"));

await app.RunAsync();
