using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Limits;
using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.Search;

/// <summary>
/// Searches an MCP registry by the official MCP Registry API (<c>GET /v0.1/servers?search=…&amp;limit=…</c>) at
/// <see cref="CompletionsOptions.McpRegistryUrl"/>. Only servers with a remote streamable-HTTP URL come back: they are
/// the ones a run can add. The registry's answer is bounded in size and time.
/// </summary>
internal sealed class McpRegistryClient(IHttpClientFactory httpClients, IOptions<CompletionsOptions> options, TimeProvider timeProvider)
{
    public const string HttpClientName = "McpRegistry";
    public const int MaxLimit = 20;
    private const int MaxResponseBytes = 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public Uri RegistryUrl => options.Value.McpRegistryUrl;

    /// <summary>The servers found for <paramref name="query"/>; throws <see cref="McpRegistryException"/> with a message for the model.</summary>
    public async Task<IReadOnlyList<McpRegistryServer>> SearchAsync(string query, int limit, CancellationToken cancellationToken)
    {
        var baseUrl = RegistryUrl.AbsoluteUri.TrimEnd('/');
        var url = new Uri($"{baseUrl}/v0.1/servers?search={Uri.EscapeDataString(query)}&limit={Math.Clamp(limit, 1, MaxLimit).ToString(CultureInfo.InvariantCulture)}");
        using var timer = new CancellationTokenSource(Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        byte[]? body;
        try
        {
            var http = httpClients.CreateClient(HttpClientName);
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new McpRegistryException($"The MCP registry answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            body = await BoundedBody.ReadAsync(stream, MaxResponseBytes, response.Content.Headers.ContentLength, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new McpRegistryException($"The MCP registry did not answer within {Timeout.TotalSeconds:0} s.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new McpRegistryException("The MCP registry could not be reached.", ex);
        }

        if (body is null)
        {
            throw new McpRegistryException($"The MCP registry's answer was larger than {MaxResponseBytes} bytes.");
        }

        try
        {
            return Read(JsonNode.Parse(body), limit);
        }
        catch (JsonException ex)
        {
            throw new McpRegistryException("The MCP registry's answer was not JSON.", ex);
        }
    }

    /// <summary><c>{servers: [{server: {name, description, version, remotes: [{type, url}]}}]}</c>; entries of other shapes are skipped.</summary>
    private static List<McpRegistryServer> Read(JsonNode? document, int limit)
    {
        var found = new List<McpRegistryServer>();
        if (document?["servers"] is not JsonArray servers)
        {
            throw new McpRegistryException("The MCP registry's answer has no 'servers' list.");
        }

        foreach (var entry in servers.OfType<JsonObject>())
        {
            if (entry["server"] is not JsonObject server || Text(server["name"]) is not { } name || server["remotes"] is not JsonArray remotes)
            {
                continue;
            }

            // A templated URL ({tenant}) or one over SSE cannot be used as it stands.
            var url = remotes.OfType<JsonObject>()
                .Where(r => Text(r["type"]) == "streamable-http")
                .Select(r => Text(r["url"]))
                .FirstOrDefault(u => u is not null && !u.Contains('{', StringComparison.Ordinal)
                    && Uri.TryCreate(u, UriKind.Absolute, out var parsed) && parsed.Scheme is "https" or "http");
            if (url is null || found.Any(f => f.Url.AbsoluteUri == new Uri(url).AbsoluteUri))
            {
                continue;
            }

            found.Add(new McpRegistryServer(name, Text(server["description"]), Text(server["version"]), new Uri(url)));
            if (found.Count >= limit)
            {
                break;
            }
        }

        return found;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue(out string? text) ? text : null;
}
