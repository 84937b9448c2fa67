using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace McpSubAgent.IdentityProvider.Throttling;

/// <summary>
/// The per-address limit of one sign-in endpoint (a fixed window of a minute, no queue): <c>POST /account/login</c>
/// (<see cref="LoginPolicyName"/>) or <c>POST /connect/token</c> (<see cref="TokenPolicyName"/>). The rest get 429
/// with <c>Retry-After</c>, in the endpoint's own format: a page, or an OAuth error.
/// </summary>
internal sealed class SignInRateLimiterPolicy(bool token, int permitsPerMinute) : IRateLimiterPolicy<string>
{
    public const string LoginPolicyName = "sign-in-login";
    public const string TokenPolicyName = "sign-in-token";

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (context, cancellationToken) =>
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        return new ValueTask(TooManyAttempts.WriteAsync(context.HttpContext, token, retryAfter, "from this address"));
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);

        // Showing the login page costs nothing to guess with; only posts are counted.
        if (!HttpMethods.IsPost(httpContext.Request.Method))
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        return RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(httpContext), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permitsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
