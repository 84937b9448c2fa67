using System.Diagnostics;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Benchmarks.Measurement;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Benchmarks.Scenarios;

/// <summary>
/// One MCP tool round: the model calls echo once, then answers. The direct side does the same three calls itself
/// (LLM, tools/call on an already connected SDK client, LLM), so the difference is what the engine adds.
/// </summary>
internal sealed class McpToolRoundScenario(BenchmarkHost host) : BenchmarkScenario(host)
{
    private static readonly Dictionary<string, object?> EchoArguments = new() { ["text"] = "x" };

    private readonly List<long> _firstCall = [];
    private readonly List<long> _toolCall = [];
    private readonly List<long> _secondCall = [];
    private byte[] _request = [];
    private byte[] _round1 = [];
    private byte[] _round2 = [];
    private McpClient? _mcp;

    public override string Name => "mcp-tool-round-stream";

    public override string Description =>
        "Streaming request with the MCP server; the model calls echo once, then answers. Direct: the engine's two upstream requests with a plain HttpClient plus one tools/call of echo on a connected SDK McpClient. Handler: the caller's request through the engine.";

    public override IReadOnlyList<ScenarioSide> ExtraSides =>
    [
        new("engine.RunAsync without the handler (parse, run on a plain HttpClient upstream, drain events)", ct => EngineRunAsync(_request, ct)),
    ];

    public override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        _request = ChatRequests.Utf8(ChatRequests.Body(BenchmarkHost.UseEchoPrompt, stream: true, Host.McpTool()));
        var before = Host.UpstreamRequestCount;
        var echoes = Host.Mcp.CallCount("echo");
        var answer = await ChatRequests.AnswerAsync(Host.ThroughHandler, Host.ChatCompletionsUrl, _request, stream: true, cancellationToken);
        Expect(answer.Contains("echo: x", StringComparison.Ordinal) && answer.EndsWith("The tool said echo: x.", StringComparison.Ordinal),
            $"unexpected answer through the handler: '{answer}'");
        Expect(Host.Mcp.CallCount("echo") == echoes + 1, "the engine did not call echo exactly once");

        var requests = Host.UpstreamRequestsFrom(before);
        Expect(requests.Count == 2, $"expected two upstream calls, saw {requests.Count}");
        _round1 = ChatRequests.Utf8(requests[0]);
        _round2 = ChatRequests.Utf8(requests[1]);
        Expect(requests[1]["messages"] is JsonArray { Count: 3 }, "the second upstream call should carry user, assistant and tool messages");

        _mcp = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = Host.Mcp.Endpoint }),
            cancellationToken: cancellationToken);
        var result = await _mcp.CallToolAsync("echo", EchoArguments, cancellationToken: cancellationToken);
        Expect(result.IsError != true && result.Content is [TextContentBlock { Text: "echo: x" }], "the direct echo call failed");
        var directAnswer = await ChatRequests.AnswerAsync(Host.Direct, Host.ChatCompletionsUrl, _round2, stream: true, cancellationToken);
        Expect(directAnswer == "The tool said echo: x.", $"unexpected direct answer: '{directAnswer}'");
    }

    public override async Task<Sample> DirectAsync(CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var first = await PostAsync(Host.Direct, _round1, cancellationToken);
        var toolStart = Stopwatch.GetTimestamp();
        var result = await _mcp!.CallToolAsync("echo", EchoArguments, cancellationToken: cancellationToken);
        var toolEnd = Stopwatch.GetTimestamp();
        Expect(result.IsError != true, "echo failed");
        var second = await PostAsync(Host.Direct, _round2, cancellationToken);
        var total = Stopwatch.GetTimestamp() - start;
        _firstCall.Add(first.TotalTicks);
        _toolCall.Add(toolEnd - toolStart);
        _secondCall.Add(second.TotalTicks);
        return new Sample(first.HeadersTicks, total, first.Reads + second.Reads);
    }

    public override Task<Sample> ThroughHandlerAsync(CancellationToken cancellationToken) => PostAsync(Host.ThroughHandler, _request, cancellationToken);

    public override void StartMeasuring()
    {
        base.StartMeasuring();
        _firstCall.Clear();
        _toolCall.Clear();
        _secondCall.Clear();
    }

    public override IEnumerable<string> Details()
    {
        foreach (var line in base.Details())
        {
            yield return line;
        }

        if (_toolCall.Count == 0)
        {
            yield break;
        }

        yield return $"direct side's parts (p50): LLM call 1 {Ms(_firstCall)}, echo tools/call {Ms(_toolCall)}, LLM call 2 {Ms(_secondCall)}";
    }

    public override async ValueTask DisposeAsync()
    {
        if (_mcp is not null)
        {
            await _mcp.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private static string Ms(IEnumerable<long> ticks) => $"{LatencySummary.FromTicks(ticks).P50:0.000} ms";
}
