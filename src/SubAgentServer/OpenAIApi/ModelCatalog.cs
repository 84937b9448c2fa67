using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.Providers;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// The models of every provider (<c>GET {base}/models</c>), named as callers use them (<c>{provider}/{model}</c> for
/// named providers) and cached. A provider whose list cannot be had is left out, and its model ids are not checked.
/// </summary>
internal sealed partial class ModelCatalog(
    UpstreamProviders providers,
    IHttpClientFactory httpClients,
    IOptions<OpenAIApiOptions> options,
    TimeProvider timeProvider,
    ILogger<ModelCatalog> logger) : IDisposable
{
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan FailureCacheDuration = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _snapshot;

    /// <summary>All models; null when no provider offers a list.</summary>
    public async Task<IReadOnlyList<JsonObject>?> ListAsync(CancellationToken cancellationToken)
    {
        var snapshot = await GetAsync(cancellationToken);
        return snapshot.ListedProviders.Count == 0 ? null : snapshot.Models;
    }

    /// <summary>True or false when the model's provider offers a list; null when it does not (any id is then tried).</summary>
    public async Task<bool?> IsKnownAsync(string modelId, CancellationToken cancellationToken)
    {
        var (provider, _) = providers.Resolve(modelId);
        var snapshot = await GetAsync(cancellationToken);
        if (!snapshot.ListedProviders.Contains(provider.Name ?? ""))
        {
            return null;
        }

        return snapshot.Models.Any(m => (string?)m["id"] == modelId);
    }

    public void Dispose() => _refresh.Dispose();

    private async Task<Snapshot> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _snapshot) is { } fresh && fresh.ExpiresAt > timeProvider.GetUtcNow())
        {
            return fresh;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is { } refreshed && refreshed.ExpiresAt > timeProvider.GetUtcNow())
            {
                return refreshed;
            }

            var lists = await Task.WhenAll(providers.All.Select(p => FetchAsync(p, cancellationToken)));
            var models = new List<JsonObject>();
            var listed = new HashSet<string>(StringComparer.Ordinal);
            var provider = 0;
            foreach (var p in providers.All)
            {
                if (lists[provider++] is { } list)
                {
                    listed.Add(p.Name ?? "");
                    models.AddRange(list);
                }
            }

            var duration = listed.Count == lists.Length ? options.Value.ModelListCacheDuration : FailureCacheDuration;
            var snapshot = new Snapshot(models, listed, timeProvider.GetUtcNow() + duration);
            Volatile.Write(ref _snapshot, snapshot);
            return snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task<List<JsonObject>?> FetchAsync(UpstreamProvider provider, CancellationToken cancellationToken)
    {
        var baseUrl = provider.BaseUrl.AbsoluteUri.EndsWith('/') ? provider.BaseUrl : new Uri(provider.BaseUrl.AbsoluteUri + "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "models"));
        if (provider.ApiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", provider.ApiKey);
        }

        using var deadline = new CancellationTokenSource(FetchTimeout, timeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await httpClients.CreateClient(AgentExtensions.UpstreamHttpClientName).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogListFailed(logger, provider.Name ?? "default", $"status {(int)response.StatusCode}", null);
                return null;
            }

            var body = await JsonNode.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
            if (body?["data"] is not JsonArray data)
            {
                LogListFailed(logger, provider.Name ?? "default", "no 'data' array", null);
                return null;
            }

            var models = new List<JsonObject>();
            foreach (var entry in data.OfType<JsonObject>())
            {
                if (entry["id"] is JsonValue id && id.TryGetValue(out string? modelId))
                {
                    var model = (JsonObject)entry.DeepClone();
                    model["id"] = provider.ModelId(modelId);
                    model["object"] = "model";
                    models.Add(model);
                }
            }

            return models;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogListFailed(logger, provider.Name ?? "default", ex.Message, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model list of provider {Provider} could not be read: {Reason}")]
    private static partial void LogListFailed(ILogger logger, string provider, string reason, Exception? exception);

    private sealed record Snapshot(IReadOnlyList<JsonObject> Models, IReadOnlySet<string> ListedProviders, DateTimeOffset ExpiresAt);
}
