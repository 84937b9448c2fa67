using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;

namespace McpSubAgent.Completions.Loop;

/// <summary>One upstream call: its body, its size limit and its time to the response headers.</summary>
public sealed partial class McpCompletionsEngine
{
    /// <summary>One attempt of an upstream call, bounded by the time to the response headers.</summary>
    private async Task<HttpResponseMessage> SendAttemptAsync(IChatCompletionsUpstream upstream, JsonObject body, TimeSpan headersTimeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(headersTimeout, _timeProvider);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await upstream.SendAsync(body, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Not retried: a stalled upstream would otherwise hold the run for every attempt's full wait.
            throw new UpstreamException($"The upstream LLM sent no response within {Seconds(headersTimeout)} s.", HttpStatusCode.GatewayTimeout, innerException: ex);
        }
    }

    private static void EnsureWithinRequestLimit(JsonObject body, long maxBytes)
    {
        var size = Encoding.UTF8.GetByteCount(body.ToJsonString());
        if (size > maxBytes)
        {
            throw new InvalidRequestException(
                $"The conversation grew to {size} bytes with the tool results, over the limit of {maxBytes} (Completions:MaxUpstreamRequestBytes); " +
                "ask for less at once or lower max_rounds.", "messages")
            {
                Code = "context_length_exceeded",
            };
        }
    }
}
