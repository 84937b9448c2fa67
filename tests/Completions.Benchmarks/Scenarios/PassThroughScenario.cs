using McpSubAgent.Completions.Benchmarks.Measurement;

namespace McpSubAgent.Completions.Benchmarks.Scenarios;

/// <summary>A streaming request without MCP tools: the handler only reads the body, sees no MCP tool and forwards it.</summary>
internal sealed class PassThroughScenario(BenchmarkHost host) : BenchmarkScenario(host)
{
    private byte[] _body = [];

    public override string Name => "passthrough-stream";

    public override string Description =>
        "Streaming request without MCP tools. Direct: plain HttpClient to the fake LLM. Handler: same request through McpCompletionsHandler (pass-through).";

    public override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        _body = ChatRequests.Utf8(ChatRequests.Body("Hello", stream: true));
        foreach (var client in new[] { Host.Direct, Host.ThroughHandler })
        {
            var answer = await ChatRequests.AnswerAsync(client, Host.ChatCompletionsUrl, _body, stream: true, cancellationToken);
            Expect(answer == BenchmarkHost.PlainAnswer, $"unexpected answer '{answer}'");
        }
    }

    public override Task<Sample> DirectAsync(CancellationToken cancellationToken) => PostAsync(Host.Direct, _body, cancellationToken);

    public override Task<Sample> ThroughHandlerAsync(CancellationToken cancellationToken) => PostAsync(Host.ThroughHandler, _body, cancellationToken);
}
