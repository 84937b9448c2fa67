using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Loop;

/// <summary>
/// Reads an upstream chat-completions response, streamed (SSE chunks) or not (one JSON object), into an
/// <see cref="UpstreamRound"/>, yielding the model's text as it arrives.
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
            var body = await ReadBoundedAsync(response.Content, cancellationToken);
            throw new UpstreamException(
                $"The upstream LLM answered {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorMessage(body) ?? body}",
                response.StatusCode, body, response.Content.Headers.ContentType?.ToString());
        }
    }

    public static async IAsyncEnumerable<string> ReadAsync(
        HttpResponseMessage response, UpstreamRound round, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (response)
        {
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            Stream stream;
            try
            {
                stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new UpstreamException($"The upstream LLM's response broke off: {ex.Message}", innerException: ex);
            }

            await using var _ = stream;
            if (mediaType == "application/json")
            {
                // An upstream that ignored stream: true answered with one chat.completion object.
                var completion = await ParseAsync(stream, cancellationToken);
                var text = Apply(completion, round, isChunk: false);
                if (!string.IsNullOrEmpty(text))
                {
                    yield return text;
                }

                yield break;
            }

            var items = SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    SseItem<string> item;
                    try
                    {
                        if (!await items.MoveNextAsync())
                        {
                            break;
                        }

                        item = items.Current;
                    }
                    catch (Exception ex) when (ex is IOException or HttpRequestException)
                    {
                        throw new UpstreamException($"The upstream LLM's stream broke off: {ex.Message}", innerException: ex);
                    }

                    if (item.Data == "[DONE]")
                    {
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
                    if (!string.IsNullOrEmpty(text))
                    {
                        yield return text;
                    }
                }
            }
            finally
            {
                await items.DisposeAsync();
            }
        }
    }

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

        var text = delta["content"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        if (!string.IsNullOrEmpty(text))
        {
            round.Content.Append(text);
        }

        return text;
    }

    private static async Task<JsonObject> ParseAsync(Stream stream, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken) as JsonObject
                ?? throw new UpstreamException("The upstream LLM's answer is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new UpstreamException($"The upstream LLM's answer is not JSON: {ex.Message}", innerException: ex);
        }
    }

    private static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
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
