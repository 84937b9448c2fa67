using McpSubAgent.Completions;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.SubAgentServer.Agents;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Providers;

/// <summary>
/// The default provider (<c>OPENAI_BASE_URL</c>, <c>OPENAI_API_KEY</c>) and the named ones of <c>Providers:{name}</c>. A
/// model id <c>{name}/{model}</c> whose prefix names a provider goes to that provider as <c>{model}</c>; any other id
/// goes to the default provider unchanged (so OpenRouter's own <c>openai/gpt-5</c> still works as the default).
/// </summary>
internal sealed class UpstreamProviders
{
    private readonly Dictionary<string, UpstreamProvider> _named;

    public UpstreamProviders(
        IOptions<UpstreamOptions> upstream,
        IOptions<Dictionary<string, ProviderEndpoint>> providers,
        IOptions<CompletionsOptions> completions,
        IHttpClientFactory httpClients)
    {
        var defaults = upstream.Value;
        var timeouts = UpstreamTimeouts.From(completions.Value);
        Default = Create(null, defaults.BaseUrl, defaults.ApiKey, timeouts, httpClients);
        _named = new Dictionary<string, UpstreamProvider>(StringComparer.Ordinal);
        foreach (var (name, endpoint) in providers.Value)
        {
            var own = new UpstreamTimeouts(
                endpoint.HeadersTimeout ?? timeouts.Headers, endpoint.IdleTimeout ?? timeouts.Idle, endpoint.CallTimeout ?? timeouts.Total);
            _named[name] = Create(name, endpoint.BaseUrl, endpoint.ApiKey, own, httpClients);
        }
    }

    public UpstreamProvider Default { get; }

    /// <summary>The default provider first, then the named ones by name.</summary>
    public IEnumerable<UpstreamProvider> All => [Default, .. _named.Values.OrderBy(p => p.Name, StringComparer.Ordinal)];

    /// <summary>The provider of a model id and the model id that provider knows.</summary>
    public (UpstreamProvider Provider, string Model) Resolve(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        var slash = modelId.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && slash < modelId.Length - 1 && _named.TryGetValue(modelId[..slash], out var provider))
        {
            return (provider, modelId[(slash + 1)..]);
        }

        return (Default, modelId);
    }

    private static UpstreamProvider Create(string? name, string baseUrl, string? apiKey, UpstreamTimeouts timeouts, IHttpClientFactory httpClients)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new OptionsValidationException(name ?? "OPENAI_BASE_URL", typeof(ProviderEndpoint),
                [$"The base URL of provider '{name ?? "default"}' must be an absolute http(s) URL, not '{baseUrl}'."]);
        }

        var http = httpClients.CreateClient(AgentExtensions.UpstreamHttpClientName);
        if (timeouts.Headers <= TimeSpan.Zero || timeouts.Idle <= TimeSpan.Zero || timeouts.Total <= TimeSpan.Zero)
        {
            throw new OptionsValidationException(name ?? "Completions", typeof(ProviderEndpoint),
                [$"The time limits of provider '{name ?? "default"}' must be positive."]);
        }

        return new UpstreamProvider(name, uri, string.IsNullOrEmpty(apiKey) ? null : apiKey, new HttpChatCompletionsUpstream(http, uri, apiKey), timeouts);
    }
}
