using System.Text.Json.Nodes;
using McpSubAgent.Completions.Benchmarks.Measurement;

namespace McpSubAgent.Completions.Benchmarks.Scenarios;

/// <summary>
/// A request naming the MCP server that the model answers without calling a tool: the engine's per-request cost
/// (parsing, pooled connection, cached tool list, upstream body with the tools, re-streaming or aggregating the answer).
/// </summary>
internal sealed class McpAnswerScenario(BenchmarkHost host, bool stream) : BenchmarkScenario(host)
{
    private byte[] _request = [];
    private byte[] _direct = [];
    private byte[] _upstream = [];
    private JsonObject? _upstreamJson;

    public override string Name => stream ? "mcp-answer-stream" : "mcp-answer-json";

    public override string Description => stream
        ? "Streaming request with the MCP server, model answers without a tool call. Direct: the upstream request the engine builds (8 function tools, stream) sent with a plain HttpClient. Handler: the caller's request through the engine."
        : "Non-streaming request with the MCP server, model answers without a tool call. Direct: the same upstream request (8 function tools) sent non-streaming with a plain HttpClient. Handler: the caller's request through the engine (which streams upstream and aggregates).";

    public override IReadOnlyList<ScenarioSide> ExtraSides =>
    [
        new("engine.RunAsync without the handler (parse, run on a plain HttpClient upstream, drain events)", ct => EngineRunAsync(_request, ct)),
        new("plain HttpClient, engine's streamed upstream body, SseParser, stop and dispose at [DONE] (as the engine reads)", ct =>
            ChatRequests.TimedSseAsync(Host.Direct, Host.ChatCompletionsUrl, _upstream, stopAtDone: true, ct)),
        new("the engine's HttpChatCompletionsUpstream outside a run, same body as a JsonObject, SseParser, stop at [DONE]", UpstreamClassAsync),
    ];

    public override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        _request = ChatRequests.Utf8(ChatRequests.Body("Hello", stream, Host.McpTool()));
        var before = Host.UpstreamRequestCount;
        var answer = await ChatRequests.AnswerAsync(Host.ThroughHandler, Host.ChatCompletionsUrl, _request, stream, cancellationToken);
        Expect(answer == BenchmarkHost.PlainAnswer, $"unexpected answer through the handler: '{answer}'");

        // The direct side sends what the engine sent upstream (the MCP tool replaced by the server's function tools).
        var requests = Host.UpstreamRequestsFrom(before);
        Expect(requests.Count == 1, $"expected one upstream call, saw {requests.Count}");
        Expect(requests[0].ToJsonString().Contains(BenchmarkHost.EchoFunction, StringComparison.Ordinal), "the upstream call did not offer echo");
        var direct = requests[0];
        _upstream = ChatRequests.Utf8(direct);
        _upstreamJson = (JsonObject)direct.DeepClone();
        if (!stream)
        {
            direct["stream"] = false;
            direct.Remove("stream_options");
        }

        _direct = ChatRequests.Utf8(direct);
        var directAnswer = await ChatRequests.AnswerAsync(Host.Direct, Host.ChatCompletionsUrl, _direct, stream, cancellationToken);
        Expect(directAnswer == BenchmarkHost.PlainAnswer, $"unexpected direct answer: '{directAnswer}'");
    }

    private async Task<Sample> UpstreamClassAsync(CancellationToken cancellationToken)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        using var response = await Host.EngineUpstream.SendAsync(_upstreamJson!, cancellationToken);
        var headers = System.Diagnostics.Stopwatch.GetTimestamp();
        var events = 0;
        await using (var content = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(content).EnumerateAsync(cancellationToken))
            {
                events++;
                if (item.Data == "[DONE]")
                {
                    break;
                }
            }
        }

        return Sample.Since(start, headers, events);
    }

    public override Task<Sample> DirectAsync(CancellationToken cancellationToken) => PostAsync(Host.Direct, _direct, cancellationToken);

    public override Task<Sample> ThroughHandlerAsync(CancellationToken cancellationToken) => PostAsync(Host.ThroughHandler, _request, cancellationToken);
}
