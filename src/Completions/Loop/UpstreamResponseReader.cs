using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Loop;

/// <summary>
/// Reads an upstream chat-completions response, streamed (SSE chunks) or not (one JSON object), into an
/// <see cref="UpstreamRound"/>, yielding the model's text as it arrives (an empty text when only reasoning arrived).
/// </summary>
internal static class UpstreamResponseReader
{
    private const int MaxErrorBodyBytes = 64 * 1024;

    /// <summary>Throws <see cref="UpstreamException"/> with the upstream's status and body when it is not a success.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        using (response)
        {
            var body = await ReadBoundedAsync(response.Content, cancellationToken).ConfigureAwait(false);
            throw new UpstreamException(
                $"The upstream LLM answered {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorMessage(body) ?? body}",
                response.StatusCode, body, response.Content.Headers.ContentType?.ToString());
        }
    }

    /// <summary>
    /// Reads the answer into <paramref name="round"/>, yielding its text as it arrives, within <paramref name="limits"/>:
    /// a stall, the end of the call's time or an oversized answer fails with <see cref="UpstreamException"/> (504, 502).
    /// A stream that ends without a finish reason or <c>[DONE]</c>, and an answer with nothing in it, fail too.
    /// </summary>
    public static async IAsyncEnumerable<string> ReadAsync(
        HttpResponseMessage response, UpstreamRound round, UpstreamReadLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (response)
        {
            using var idleTimer = new CancellationTokenSource(limits.Idle, limits.TimeProvider);
            using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idleTimer.Token, limits.CallTimer.Token);
            UpstreamException Failure(Exception ex) => Translate(ex, limits, idleTimer, cancellationToken);

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            Stream stream;
            try
            {
                stream = new BoundedReadStream(await response.Content.ReadAsStreamAsync(read.Token).ConfigureAwait(false), limits.MaxBytes, perEvent: false,
                    response.Content.Headers.ContentLength, () => idleTimer.CancelAfter(limits.Idle));
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw Failure(ex);
            }

            await using var disposeStream = stream.ConfigureAwait(false);
            if (mediaType == "application/json")
            {
                // An upstream that ignored stream: true answered with one chat.completion object.
                JsonObject completion;
                try
                {
                    completion = await ParseAsync(stream, read.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    throw Failure(ex);
                }

                var text = Apply(completion, round, isChunk: false);
                EnsureNotEmpty(round);
                if (text is not null)
                {
                    yield return text;
                }

                yield break;
            }

            var items = SseParser.Create(stream).EnumerateAsync(read.Token).GetAsyncEnumerator(read.Token);
            var done = false;
            try
            {
                while (true)
                {
                    SseItem<string> item;
                    try
                    {
                        if (!await items.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }

                        item = items.Current;
                    }
                    catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                    {
                        throw Failure(ex);
                    }

                    if (item.Data == "[DONE]")
                    {
                        done = true;
                        break;
                    }

                    if (string.IsNullOrWhiteSpace(item.Data))
                    {
                        continue;
                    }

                    JsonObject chunk;
                    try
                    {
                        chunk = JsonNode.Parse(item.Data) as JsonObject
                            ?? throw new UpstreamException("The upstream LLM sent a chunk that is not a JSON object.");
                    }
                    catch (JsonException ex)
                    {
                        throw new UpstreamException($"The upstream LLM sent a chunk that is not JSON: {ex.Message}", innerException: ex);
                    }

                    var text = Apply(chunk, round, isChunk: true);
                    if (text is not null)
                    {
                        yield return text;
                    }
                }
            }
            finally
            {
                await items.DisposeAsync().ConfigureAwait(false);
            }

            if (!done && round.FinishReason is null)
            {
                // The connection closed cleanly in the middle of the answer: what arrived is not the whole answer.
                throw new UpstreamException("The upstream LLM's stream broke off before the answer was finished.", HttpStatusCode.BadGateway);
            }

            EnsureNotEmpty(round);
        }
    }

    private static void EnsureNotEmpty(UpstreamRound round)
    {
        if (round.FinishReason is null && round.Content.Length == 0 && round.ToolCalls.Count == 0)
        {
            throw new UpstreamException("The upstream LLM's answer was empty: no text, no tool call and no finish reason.", HttpStatusCode.BadGateway);
        }
    }

    private static UpstreamException Translate(Exception ex, UpstreamReadLimits limits, CancellationTokenSource idleTimer, CancellationToken cancellationToken)
    {
        if (ex is ResponseTooLargeException)
        {
            return new UpstreamException(
                $"The upstream LLM's answer is larger than {limits.MaxBytes} bytes (Completions:MaxUpstreamResponseBytes).", HttpStatusCode.BadGateway, innerException: ex);
        }

        if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return idleTimer.IsCancellationRequested && !limits.CallTimer.IsCancellationRequested
                ? new UpstreamException($"The upstream LLM sent nothing for {Seconds(limits.Idle)} s and was given up on.", HttpStatusCode.GatewayTimeout, innerException: ex)
                : new UpstreamException($"The upstream LLM did not finish its answer within {Seconds(limits.Total)} s.", HttpStatusCode.GatewayTimeout, innerException: ex);
        }

        return new UpstreamException($"The upstream LLM's stream broke off: {ex.Message}", HttpStatusCode.BadGateway, innerException: ex);
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Merges a chunk (or a whole completion) into the round and returns its new text.</summary>
    private static string? Apply(JsonObject node, UpstreamRound round, bool isChunk)
    {
        if (node["error"] is JsonObject error)
        {
            // OpenRouter and others report failures inside a 200 stream.
            throw new UpstreamException($"The upstream LLM reported an error: {(string?)error["message"] ?? error.ToJsonString()}",
                responseBody: node.ToJsonString(), contentType: "application/json");
        }

        if (node["usage"] is JsonObject usage)
        {
            round.Usage = TokenUsage.FromJson(usage);
        }

        if (node["choices"] is not JsonArray { Count: > 0 } choices || choices[0] is not JsonObject choice)
        {
            return null;
        }

        if ((string?)choice["finish_reason"] is { } finish)
        {
            round.FinishReason = finish;
        }

        if (choice[isChunk ? "delta" : "message"] is not JsonObject delta)
        {
            return null;
        }

        if (delta["tool_calls"] is JsonArray calls)
        {
            var position = 0;
            foreach (var call in calls.OfType<JsonObject>())
            {
                if (!isChunk && call["index"] is null)
                {
                    call["index"] = position;
                }

                position++;
                round.AddToolCallDelta(call);
            }
        }

        // Providers that show a model's thinking send it beside the answer: DeepSeek and vLLM as reasoning_content,
        // OpenRouter and Ollama as reasoning. An empty text tells the engine that some arrived.
        var reasoning = delta["reasoning_content"] ?? delta["reasoning"];
        var hasReasoning = reasoning is JsonValue r && r.TryGetValue(out string? thought) && round.NewReasoning.Append(thought).Length > 0;
        var text = delta["content"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        if (!string.IsNullOrEmpty(text))
        {
            round.Content.Append(text);
        }

        return string.IsNullOrEmpty(text) && hasReasoning ? "" : text;
    }

    private static async Task<JsonObject> ParseAsync(Stream stream, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject
                ?? throw new UpstreamException("The upstream LLM's answer is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new UpstreamException($"The upstream LLM's answer is not JSON: {ex.Message}", innerException: ex);
        }
    }

    private static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeStream = stream.ConfigureAwait(false);
        var buffer = new byte[MaxErrorBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static string? ErrorMessage(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["error"]?["message"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
