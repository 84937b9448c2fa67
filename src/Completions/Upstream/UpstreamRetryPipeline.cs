using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace McpSubAgent.Completions.Upstream;

/// <summary>
/// Retries an upstream call on 408, 429, 5xx and network errors, honouring <c>Retry-After</c>. It wraps only the wait
/// for the response headers, so nothing is retried once a byte has reached the caller.
/// </summary>
internal sealed class UpstreamRetryPipeline
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(60);
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public UpstreamRetryPipeline(IOptions<CompletionsOptions> options, TimeProvider timeProvider)
    {
        var settings = options.Value;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider };
        if (settings.UpstreamMaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = settings.UpstreamMaxRetries,
                Delay = settings.UpstreamRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = LongestWait,
                ShouldRetryAfterHeader = true,
                OnRetry = args =>
                {
                    // The response that is retried is never read: release its connection.
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.Build();
    }

    public async Task<HttpResponseMessage> SendAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(async ct => await send(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new UpstreamException($"The upstream LLM could not be reached: {ex.Message}", HttpStatusCode.BadGateway, innerException: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamException("The upstream LLM did not answer in time.", HttpStatusCode.GatewayTimeout, innerException: ex);
        }
    }
}
