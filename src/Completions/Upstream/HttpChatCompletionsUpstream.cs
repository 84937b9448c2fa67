using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Upstream;

/// <summary>
/// An OpenAI-compatible endpoint reached over HTTP: POSTs to <c>{baseUrl}chat/completions</c> with the API key as a
/// bearer token (OpenAI, OpenRouter, Anthropic's OpenAI compatibility, Ollama, vLLM).
/// </summary>
public sealed class HttpChatCompletionsUpstream : IChatCompletionsUpstream
{
    private readonly HttpClient _httpClient;
    private readonly Uri _endpoint;
    private readonly string? _apiKey;

    /// <summary>Creates the upstream; <paramref name="baseUrl"/> is what <c>OPENAI_BASE_URL</c> holds, such as <c>https://api.openai.com/v1</c>.</summary>
    public HttpChatCompletionsUpstream(HttpClient httpClient, Uri baseUrl, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        _httpClient = httpClient;
        var withSlash = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _endpoint = new Uri(withSlash, "chat/completions");
        _apiKey = apiKey;
    }

    /// <inheritdoc />
    public async Task<HttpResponseMessage> SendAsync(JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        if (!string.IsNullOrEmpty(_apiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }

        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Accept.ParseAdd("application/json");
        return await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }
}
