using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpSubAgent.Completions.Limits;
using McpSubAgent.IdentityProvider.Broker.Discovery;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>
/// The broker's HTTP calls to downstream servers: through the SSRF-guarded client, bounded in time and size, and never
/// following redirects (a redirect could carry a secret to another host).
/// </summary>
internal sealed class BrokerHttp(IHttpClientFactory httpClientFactory, IOptions<BrokerOptions> options, TimeProvider timeProvider)
{
    public const string HttpClientName = "McpSubAgent.Broker";
    private const int MaxResponseBytes = 256 * 1024;

    /// <summary>GETs a JSON document; null when the server answers anything but 200 with JSON.</summary>
    public async Task<T?> GetJsonOrNullAsync<T>(Uri url, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        var (status, body) = await SendAsync(request, cancellationToken);
        if (status != HttpStatusCode.OK || body is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, typeInfo);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>POSTs and reads the JSON answer, whatever its status; null when the body is not JSON of that shape.</summary>
    public async Task<(HttpStatusCode Status, T? Body)> PostAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        var (status, body) = await SendAsync(request, cancellationToken);
        try
        {
            return (status, body is null ? null : JsonSerializer.Deserialize(body, typeInfo));
        }
        catch (JsonException)
        {
            return (status, null);
        }
    }

    public static HttpContent Json<T>(T value, JsonTypeInfo<T> typeInfo) => JsonContent.Create(value, typeInfo);

    private async Task<(HttpStatusCode Status, byte[]? Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.Value.RequestTimeout, timeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var client = httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            return (response.StatusCode, await BoundedBody.ReadAsync(stream, MaxResponseBytes, response.Content.Headers.ContentLength, timeout.Token));
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DownstreamAuthorizationException($"{request.RequestUri?.Host} did not answer within {options.Value.RequestTimeout.TotalSeconds:0} s.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new DownstreamAuthorizationException($"Could not reach {request.RequestUri?.Host}: {ex.Message}", ex);
        }
    }
}
