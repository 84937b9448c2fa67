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

    /// <summary>The body of one upstream call: the caller's fields, the conversation so far, and the offered tools.</summary>
    private static JsonObject BuildUpstreamBody(JsonObject requestBody, JsonArray messages, JsonArray tools, string model)
    {
        var body = new JsonObject();
        foreach (var (name, value) in requestBody)
        {
            if (name is not ("messages" or "tools" or "stream" or "stream_options" or "model"))
            {
                body[name] = value?.DeepClone();
            }
        }

        body["model"] = model;
        body["messages"] = messages.DeepClone();
        body["stream"] = true;

        // Usage is summed over rounds whatever the caller asked for; the caller's wish only decides what it is sent.
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        if (tools.Count > 0)
        {
            body["tools"] = tools.DeepClone();
        }
        else
        {
            // Providers refuse tool_choice without tools (every MCP server failed, say).
            body.Remove("tool_choice");
            body.Remove("parallel_tool_calls");
        }

        return body;
    }
}
