using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;

namespace McpSubAgent.Completions.Loop;

/// <summary>One upstream call: its body, its size limit, its time limits, and the answer streamed as it comes.</summary>
public sealed partial class McpCompletionsEngine
{
    /// <summary>
    /// Asks the model for round <paramref name="round"/>: sends the conversation with the offered tools (retrying what
    /// can be retried) and streams its reasoning and text as they come. The whole answer is left in <paramref name="answer"/>.
    /// <paramref name="problems"/> (servers that could not be used) are shown once the upstream has accepted the call.
    /// </summary>
    private async IAsyncEnumerable<CompletionEvent> AskModelAsync(
        CompletionRunRequest request,
        IChatCompletionsUpstream upstream,
        JsonArray messages,
        JsonArray offeredTools,
        string model,
        int round,
        UpstreamTimeouts timeouts,
        IReadOnlyList<McpServerProblem> problems,
        UpstreamRound answer,
        Activity? upstreamActivity,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        var body = request.UpstreamBody(messages, offeredTools, model);
        if (round > 1)
        {
            // The first call is bounded by what the host accepted; tool results make later ones grow.
            EnsureWithinRequestLimit(body, settings.MaxUpstreamRequestBytes);
        }

        using var callTimer = new CancellationTokenSource(timeouts.Total, _timeProvider);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callTimer.Token);
        HttpResponseMessage response;
        try
        {
            response = await _retry.SendAsync(ct => SendAttemptAsync(upstream, body, timeouts.Headers, ct), call.Token).ConfigureAwait(false);
            await UpstreamResponseReader.EnsureSuccessAsync(response, call.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (callTimer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            upstreamActivity?.SetStatus(ActivityStatusCode.Error, "timeout");
            throw new UpstreamException($"The upstream LLM did not answer within {Seconds(timeouts.Total)} s.", HttpStatusCode.GatewayTimeout, innerException: ex);
        }
        catch (Exception ex) when (ex is UpstreamException or HttpRequestException)
        {
            upstreamActivity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }

        foreach (var problem in problems)
        {
            yield return new ContentDelta(MarkdownRenderer.Error(problem.Message), FromModel: false);
        }

        var limits = new UpstreamReadLimits(timeouts.Idle, timeouts.Total, callTimer, settings.MaxUpstreamResponseBytes, _timeProvider);
        await foreach (var text in UpstreamResponseReader.ReadAsync(response, answer, limits, cancellationToken).ConfigureAwait(false))
        {
            if (answer.TakeReasoning() is { } reasoning)
            {
                yield return new ReasoningDelta(reasoning);
            }

            if (text.Length > 0)
            {
                yield return new ContentDelta(text, FromModel: true);
            }
        }
    }

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
