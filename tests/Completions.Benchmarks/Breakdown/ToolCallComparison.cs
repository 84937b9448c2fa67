using System.Diagnostics;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Benchmarks.Scenarios;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Requests;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace McpSubAgent.Completions.Benchmarks.Breakdown;

/// <summary>
/// One tools/call of echo three ways, interleaved per iteration: on a connected SDK client (the benchmark's baseline),
/// on the engine's pooled connection, and through the engine's tool executor (timeout, result text, markdown).
/// Uses the engine's internals (the project grants this assembly access), so that the tool call can be isolated.
/// </summary>
internal sealed class ToolCallComparison(int iterations, int warmup)
{
    private static readonly Dictionary<string, object?> EchoArguments = new() { ["text"] = "x" };

    public async Task<IEnumerable<BreakdownRow>> RunAsync(BenchmarkHost host, CancellationToken cancellationToken)
    {
        var request = ChatCompletionRequestParser.Parse(ChatRequests.Body("Hello", stream: true, host.McpTool()));
        var resolved = await host.Services.GetRequiredService<McpToolResolver>().ResolveAsync(request.Run, "local", null, cancellationToken);
        var echo = resolved.Tools.Single(t => t.Tool.Name == "echo");
        var executor = host.Services.GetRequiredService<McpToolExecutor>();
        var info = new ToolCallInfo("call_1", echo.FunctionName, "echo", echo.Server.ServerUrl, """{"text":"x"}""", 1);
        await using var sdk = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = host.Mcp.Endpoint }), cancellationToken: cancellationToken);

        var ways = new (string Name, Func<Task> Call)[]
        {
            ("SDK McpClient.CallToolAsync on its own connection (baseline)", () => sdk.CallToolAsync("echo", EchoArguments, cancellationToken: cancellationToken).AsTask()),
            ("engine's pooled McpConnection.CallToolAsync", () => echo.Connection.CallToolAsync("echo", new JsonObject { ["text"] = "x" }, cancellationToken)),
            ("engine's McpToolExecutor.ExecuteAsync (adds timeout, result text, markdown)", () => executor.ExecuteAsync(echo, info, default, cancellationToken)),
        };
        var ticks = ways.Select(_ => new List<long>()).ToArray();
        for (var i = -warmup; i < iterations; i++)
        {
            // Rotate the order so that no way always runs first.
            for (var k = 0; k < ways.Length; k++)
            {
                var w = (((i + k) % ways.Length) + ways.Length) % ways.Length;
                var start = Stopwatch.GetTimestamp();
                await ways[w].Call();
                if (i >= 0)
                {
                    ticks[w].Add(Stopwatch.GetTimestamp() - start);
                }
            }
        }

        return ways.Select((w, k) => BreakdownRow.From("tools/call of echo, interleaved", w.Name, ticks[k]));
    }
}
