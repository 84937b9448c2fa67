using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Upstream;

namespace McpSubAgent.Completions.Benchmarks.Breakdown;

/// <summary>An upstream that keeps the first body it is given and fails the call.</summary>
internal sealed class CapturingUpstream : IChatCompletionsUpstream
{
    public JsonObject? Body { get; private set; }

    public Task<HttpResponseMessage> SendAsync(JsonObject body, CancellationToken cancellationToken)
    {
        Body ??= (JsonObject)body.DeepClone();
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("{}") });
    }
}
