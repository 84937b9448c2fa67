using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Benchmarks.Measurement;

namespace McpSubAgent.Completions.Benchmarks.Scenarios;

/// <summary>Builds chat-completion bodies and sends them the way the OpenAI SDK does, timing or checking the answer.</summary>
internal static class ChatRequests
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    /// <summary>A request body with one user message and the given tools.</summary>
    public static JsonObject Body(string userMessage, bool stream, params JsonNode[] tools)
    {
        var body = new JsonObject
        {
            ["model"] = "fake-model",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userMessage }),
            ["stream"] = stream,
        };
        if (stream)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        if (tools.Length > 0)
        {
            body["tools"] = new JsonArray(tools);
        }

        return body;
    }

    public static byte[] Utf8(JsonNode body) => Encoding.UTF8.GetBytes(body.ToJsonString());

    /// <summary>
    /// Posts <paramref name="body"/> (returning once the headers are in, like the SDK) and reads the whole response
    /// into <paramref name="buffer"/>, discarding it.
    /// </summary>
    public static async Task<Sample> TimedPostAsync(HttpClient client, Uri url, byte[] body, byte[] buffer, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var request = NewRequest(url, body);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var headers = Stopwatch.GetTimestamp();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(
                $"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var reads = 0;
        await using (var stream = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            while (await stream.ReadAsync(buffer, cancellationToken) > 0)
            {
                reads++;
            }
        }

        return Sample.Since(start, headers, reads);
    }

    /// <summary>
    /// Posts a streaming <paramref name="body"/> and reads its events the way the engine does (SseParser), stopping at
    /// <c>[DONE]</c> and disposing the response there when <paramref name="stopAtDone"/> is set, else reading on to the end.
    /// </summary>
    public static async Task<Sample> TimedSseAsync(HttpClient client, Uri url, byte[] body, bool stopAtDone, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var request = NewRequest(url, body);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var headers = Stopwatch.GetTimestamp();
        var events = 0;
        await using (var stream = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
            {
                events++;
                if (stopAtDone && item.Data == "[DONE]")
                {
                    break;
                }
            }
        }

        return Sample.Since(start, headers, events);
    }

    /// <summary>Posts <paramref name="body"/> and returns the answer's text, checking the response's form on the way.</summary>
    public static async Task<string> AnswerAsync(HttpClient client, Uri url, byte[] body, bool stream, CancellationToken cancellationToken)
    {
        using var request = NewRequest(url, body);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(
                $"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        if (!stream)
        {
            var completion = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return (string?)completion?["choices"]?[0]?["message"]?["content"]
                ?? throw new InvalidOperationException("The completion has no content.");
        }

        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            throw new InvalidOperationException($"Expected an event stream, got {response.Content.Headers.ContentType}.");
        }

        var text = new StringBuilder();
        var done = false;
        await using var content = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(content).EnumerateAsync(cancellationToken))
        {
            if (done)
            {
                throw new InvalidOperationException("An event followed [DONE].");
            }

            if (item.Data == "[DONE]")
            {
                done = true;
                continue;
            }

            if (JsonNode.Parse(item.Data)?["choices"] is JsonArray { Count: > 0 } choices
                && choices[0]?["delta"]?["content"] is JsonValue piece)
            {
                text.Append(piece.GetValue<string>());
            }
        }

        return done ? text.ToString() : throw new InvalidOperationException("The stream did not end with [DONE].");
    }

    private static HttpRequestMessage NewRequest(Uri url, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
    }
}
