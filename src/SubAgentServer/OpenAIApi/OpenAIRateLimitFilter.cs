using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// Applies <see cref="OpenAIRateLimiter"/> to the caller, and writes the endpoint's result while it holds the lease, so
/// that a streamed completion counts as running until its last chunk.
/// </summary>
internal sealed class OpenAIRateLimitFilter(OpenAIRateLimiter limiter, IOptions<OpenAIApiOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var caller = OpenAICaller.From(context.HttpContext.User);
        RateLimitLease lease;
        try
        {
            lease = await limiter.AcquireAsync(caller.RateLimitKey, context.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // The shared store of the limits is away: refuse rather than run unlimited.
            return OpenAIErrorResult.LimitsUnavailable();
        }

        using var _ = lease;
        if (!lease.IsAcquired)
        {
            var settings = options.Value;
            return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                ? OpenAIErrorResult.RateLimited(
                    $"Rate limit reached: at most {settings.RequestsPerWindow} requests per {settings.RateLimitWindow.TotalSeconds:0.#} s.", retryAfter)
                : OpenAIErrorResult.RateLimited(
                    $"Too many completions at once: at most {settings.ConcurrentRuns} may run together; retry when one has ended.", TimeSpan.FromSeconds(1));
        }

        var result = await next(context);
        if (result is IResult written)
        {
            await written.ExecuteAsync(context.HttpContext);
            return TypedResults.Empty;
        }

        return result;
    }
}
