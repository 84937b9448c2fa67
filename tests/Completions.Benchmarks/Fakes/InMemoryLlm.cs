using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Upstream;

namespace McpSubAgent.Completions.Benchmarks.Fakes;

/// <summary>
/// The fake LLM's recorded answers replayed from memory: an LLM that costs nothing, neither network nor server time,
/// so that what remains of a request is the client's and the engine's own work. It is an HTTP handler (for HttpClient
/// and as the engine handler's inner handler) and an engine upstream.
/// </summary>
internal sealed class InMemoryLlm(RecordedAnswers answers) : HttpMessageHandler, IChatCompletionsUpstream
{
    private readonly RecentBodies _recent = new();

    /// <summary>Requests received as an HTTP handler.</summary>
    public int RequestCount => _recent.Count;

    /// <summary>The bodies of the HTTP requests from number <paramref name="first"/> (0-based) on; only the last few are kept.</summary>
    public IReadOnlyList<JsonObject> RequestsFrom(int first) => _recent.From(first);

    /// <summary>The engine's upstream port: like the handler's forwarding upstream, it serializes the body first.</summary>
    public Task<HttpResponseMessage> SendAsync(JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Task.FromResult(Respond(Encoding.UTF8.GetBytes(body.ToJsonString())));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A server reads the request body too.
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        _recent.Add(body);
        var response = Respond(body);
        response.RequestMessage = request;
        return response;
    }

    private HttpResponseMessage Respond(byte[] body)
    {
        var answer = answers.For(body);
        var content = new ByteArrayContent(answer.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue(answer.ContentType);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }
}
