using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// The bare MCP SDK server of bench/run.sh: the SDK's stateless streamable HTTP at POST /mcp with no authentication,
// no middleware and no database, serving the SAME tool list as the real server (BENCH_TOOLS: the file with the real
// server's tools/list result, which bench/run.sh fetches first). A tools/call of any tool answers a fixed small text.
// The difference to the real server is what the product adds around the SDK.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var toolsFile = Environment.GetEnvironmentVariable("BENCH_TOOLS") ?? throw new InvalidOperationException("Set BENCH_TOOLS to a tools/list result.");
var listed = JsonSerializer.Deserialize(File.ReadAllText(toolsFile), McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ListToolsResult))) as ListToolsResult
    ?? throw new InvalidOperationException($"{toolsFile} holds no tools/list result.");
builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "BareSdk", Version = "1.0.0" })
    .WithHttpTransport(t => t.Stateless = true)
    .WithTools(listed.Tools.Select(t => new ListedTool(t)));
var app = builder.Build();
app.MapMcp("/mcp");
app.MapGet("/healthz", () => Results.Text("Healthy"));
await app.RunAsync();

/// <summary>A tool with a given protocol definition that answers every call with a small text.</summary>
internal sealed class ListedTool(Tool tool) : McpServerTool
{
    public override Tool ProtocolTool => tool;

    public override IReadOnlyList<object> Metadata => [];

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = "{\"tasks\":[]}" }] });
}
