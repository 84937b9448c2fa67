using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>The OpenAI-compatible endpoints under <c>/v1</c> (configuration section <c>OpenAIApi</c>).</summary>
internal sealed class OpenAIApiOptions
{
    public const string SectionName = "OpenAIApi";

    /// <summary>The largest request body accepted; larger ones get 413.</summary>
    [Range(1_024, 256 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Chat-completion requests one caller (a person, or an app with all its end users) may make per <see cref="RateLimitWindow"/>.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerWindow { get; set; } = 60;

    /// <summary>The window of <see cref="RequestsPerWindow"/> (a fixed window).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Chat completions one caller may have running at once (background tasks are queued and not counted).</summary>
    [Range(1, 10_000)]
    public int ConcurrentRuns { get; set; } = 4;

    /// <summary>How long the providers' model lists are reused for <c>GET /v1/models</c> and for checking model ids.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan ModelListCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Answer 404 for a model id that is not in its provider's model list (providers that offer no list accept any id).
    /// </summary>
    public bool RejectUnknownModels { get; set; } = true;
}
