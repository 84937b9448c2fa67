using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Throttling;

/// <summary>Registers sign-in throttling: the per-address rate limiter policies and the per-account limits and backoff.</summary>
internal static class SignInThrottlingServiceCollectionExtensions
{
    public static IServiceCollection AddSignInThrottling(this IServiceCollection services)
    {
        services.AddOptions<SignInThrottlingOptions>()
            .BindConfiguration(SignInThrottlingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SignInThrottle>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<SignInThrottlingOptions>>((limiter, throttling) =>
        {
            limiter.AddPolicy(SignInRateLimiterPolicy.LoginPolicyName, new SignInRateLimiterPolicy(token: false, throttling.Value.LoginPermitsPerMinutePerAddress));
            limiter.AddPolicy(SignInRateLimiterPolicy.TokenPolicyName, new SignInRateLimiterPolicy(token: true, throttling.Value.TokenPermitsPerMinutePerAddress));
        });
        return services;
    }
}
