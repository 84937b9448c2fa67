using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// At most <see cref="ClientRegistrationOptions.PermitsPerMinutePerAddress"/> registrations per remote address and
/// minute (a fixed window, no queue); the rest get 429 with <c>Retry-After</c>. Behind a proxy the remote address is
/// the forwarded one only when the host applies forwarded headers.
/// </summary>
internal sealed class ClientRegistrationRateLimiterPolicy(IOptions<ClientRegistrationOptions> options) : IRateLimiterPolicy<string>
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = static async (context, cancellationToken) =>
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var error = new ClientRegistrationError(ClientRegistrationError.TemporarilyUnavailable,
            "Too many client registrations from this address; retry later.");
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, error, RegistrationJsonContext.Default.ClientRegistrationError, cancellationToken);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var address = httpContext.Connection.RemoteIpAddress;
        var key = address is null ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
        var permits = options.Value.PermitsPerMinutePerAddress;
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
