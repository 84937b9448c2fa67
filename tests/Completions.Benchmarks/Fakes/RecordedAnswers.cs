using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Benchmarks.Scenarios;
using McpSubAgent.Testing.Llm;

namespace McpSubAgent.Completions.Benchmarks.Fakes;

/// <summary>
/// The scripted fake LLM's answers to the benchmark's four kinds of request, recorded once over loopback, and the
/// rule that picks one for a request body. The replaying fakes send these bytes as they are.
/// </summary>
internal sealed class RecordedAnswers
{
    private static readonly byte[] ToolRoleMarker = Encoding.UTF8.GetBytes("\"role\":\"tool\"");
    private static readonly byte[] UseEchoMarker = Encoding.UTF8.GetBytes(BenchmarkHost.UseEchoPrompt);
    private static readonly byte[] StreamMarker = Encoding.UTF8.GetBytes("\"stream\":true");
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly Answer _plainStream;
    private readonly Answer _plainJson;
    private readonly Answer _toolCallStream;
    private readonly Answer _toolAnswerStream;

    private RecordedAnswers(Answer plainStream, Answer plainJson, Answer toolCallStream, Answer toolAnswerStream)
    {
        _plainStream = plainStream;
        _plainJson = plainJson;
        _toolCallStream = toolCallStream;
        _toolAnswerStream = toolAnswerStream;
    }

    /// <summary>Asks <paramref name="llm"/> the four kinds of request and keeps its answers.</summary>
    public static async Task<RecordedAnswers> RecordAsync(ScriptedLlmServer llm, CancellationToken cancellationToken)
    {
        var toolAnswer = ChatRequests.Body(BenchmarkHost.UseEchoPrompt, stream: true);
        var messages = (JsonArray)toolAnswer["messages"]!;
        messages.Add(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = "call_1",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = BenchmarkHost.EchoFunction, ["arguments"] = """{"text":"x"}""" },
            }),
        });
        messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_1", ["content"] = "echo: x" });

        using var client = new HttpClient();
        var url = new Uri(llm.BaseUrl, "chat/completions");
        return new RecordedAnswers(
            await RecordOneAsync(client, url, ChatRequests.Body("Hello", stream: true), cancellationToken),
            await RecordOneAsync(client, url, ChatRequests.Body("Hello", stream: false), cancellationToken),
            await RecordOneAsync(client, url, ChatRequests.Body(BenchmarkHost.UseEchoPrompt, stream: true), cancellationToken),
            await RecordOneAsync(client, url, toolAnswer, cancellationToken));
    }

    /// <summary>The recorded answer for a request body: to a tool result, to the echo prompt, or the plain answer.</summary>
    public Answer For(ReadOnlySpan<byte> body) =>
        body.IndexOf(ToolRoleMarker) >= 0 ? _toolAnswerStream
        : body.IndexOf(UseEchoMarker) >= 0 ? _toolCallStream
        : body.IndexOf(StreamMarker) >= 0 ? _plainStream
        : _plainJson;

    private static async Task<Answer> RecordOneAsync(HttpClient client, Uri url, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(ChatRequests.Utf8(body)) { Headers = { ContentType = Json } },
        };
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var contentType = response.Content.Headers.ContentType?.MediaType ?? "application/json";
        return new Answer(contentType, await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    /// <summary>One recorded response body; a stream also as its events, each with its blank line.</summary>
    internal sealed class Answer
    {
        public Answer(string contentType, byte[] body)
        {
            ContentType = contentType;
            Body = body;
            IsStream = contentType == "text/event-stream";
            var events = new List<ReadOnlyMemory<byte>>();
            if (IsStream)
            {
                var start = 0;
                int end;
                while ((end = body.AsSpan(start).IndexOf("\n\n"u8)) >= 0)
                {
                    events.Add(body.AsMemory(start, end + 2));
                    start += end + 2;
                }

                if (start < body.Length)
                {
                    events.Add(body.AsMemory(start));
                }
            }

            Events = events;
        }

        public string ContentType { get; }

        public byte[] Body { get; }

        public bool IsStream { get; }

        public IReadOnlyList<ReadOnlyMemory<byte>> Events { get; }
    }
}
