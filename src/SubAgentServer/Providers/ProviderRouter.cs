using System.Text.Json.Nodes;
using McpSubAgent.Completions.Upstream;

namespace McpSubAgent.SubAgentServer.Providers;

/// <summary>
/// The engine's upstream: sends each call to the provider its <c>model</c> names, with the model id that provider
/// knows. The engine keeps the caller's id (<c>{provider}/{model}</c>) in its answers and usage reports.
/// </summary>
internal sealed class ProviderRouter(UpstreamProviders providers) : IChatCompletionsUpstream
{
    public UpstreamTimeouts? TimeoutsFor(string model) => providers.Resolve(model).Provider.Timeouts;

    public Task<HttpResponseMessage> SendAsync(JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var modelId = body["model"] is JsonValue v && v.TryGetValue(out string? m) ? m : null;
        if (modelId is null)
        {
            return providers.Default.Upstream.SendAsync(body, cancellationToken);
        }

        var (provider, model) = providers.Resolve(modelId);
        if (provider.Name is null)
        {
            return provider.Upstream.SendAsync(body, cancellationToken);
        }

        // A copy: the engine's retries send the same body again, which must still name the provider.
        var routed = (JsonObject)body.DeepClone();
        routed["model"] = model;
        return provider.Upstream.SendAsync(routed, cancellationToken);
    }
}
