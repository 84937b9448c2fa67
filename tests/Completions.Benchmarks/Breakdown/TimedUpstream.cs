using System.Diagnostics;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Upstream;

namespace McpSubAgent.Completions.Benchmarks.Breakdown;

/// <summary>Notes when each upstream call of a run started and when its response headers were in (Stopwatch ticks).</summary>
internal sealed class TimedUpstream(IChatCompletionsUpstream inner) : IChatCompletionsUpstream
{
    public List<(long Sent, long Returned)> Calls { get; } = [];

    public async Task<HttpResponseMessage> SendAsync(JsonObject body, CancellationToken cancellationToken)
    {
        var sent = Stopwatch.GetTimestamp();
        var response = await inner.SendAsync(body, cancellationToken);
        Calls.Add((sent, Stopwatch.GetTimestamp()));
        return response;
    }
}
