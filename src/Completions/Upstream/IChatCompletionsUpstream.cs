using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Upstream;

/// <summary>The LLM the engine calls: anything that answers an OpenAI chat-completions body.</summary>
public interface IChatCompletionsUpstream
{
    /// <summary>
    /// Sends one chat-completions request and returns as soon as the response headers arrive (the body may be a
    /// stream). One attempt: the engine retries.
    /// </summary>
    Task<HttpResponseMessage> SendAsync(JsonObject body, CancellationToken cancellationToken);

    /// <summary>
    /// The time limits for calls of <paramref name="model"/>, when this upstream sets its own (a provider known to be
    /// slow, say); null keeps the engine's defaults.
    /// </summary>
    UpstreamTimeouts? TimeoutsFor(string model) => null;
}
