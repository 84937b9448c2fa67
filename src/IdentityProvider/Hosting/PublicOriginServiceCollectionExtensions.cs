using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace McpSubAgent.IdentityProvider.Hosting;

/// <summary>Registers <see cref="PublicOrigin"/> with its options, validated at start.</summary>
internal static class PublicOriginServiceCollectionExtensions
{
    public static IServiceCollection AddPublicOrigin(this IServiceCollection services)
    {
        // Both the authorization server and the broker need it; one registration keeps one validator.
        if (services.Any(d => d.ServiceType == typeof(PublicOrigin)))
        {
            return services;
        }

        services.AddOptions<PublicOriginOptions>().BindConfiguration("").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PublicOrigin>();
        return services;
    }
}
