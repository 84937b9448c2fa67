using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are honoured only from the proxies named in
/// <c>ForwardedHeaders:KnownProxies</c> (addresses) and <c>ForwardedHeaders:KnownNetworks</c> (CIDR ranges); by
/// default, only from this machine (loopback). Anyone else could otherwise pick the client address that sign-in throttling counts.
/// </summary>
internal static class ForwardedHeadersExtensions
{
    public static IHostApplicationBuilder AddTrustedProxies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrustedProxyOptions>().BindConfiguration(TrustedProxyOptions.SectionName);
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((options, trusted) =>
        {
            var proxies = Entries(trusted.Value.KnownProxies).Select(p => IPAddress.TryParse(p, out var address)
                ? address
                : throw new InvalidOperationException($"{TrustedProxyOptions.SectionName}:KnownProxies has '{p}', which is not an IP address.")).ToList();
            var networks = Entries(trusted.Value.KnownNetworks).Select(n => System.Net.IPNetwork.TryParse(n, out var network)
                ? network
                : throw new InvalidOperationException(
                    $"{TrustedProxyOptions.SectionName}:KnownNetworks has '{n}', which is not a CIDR range such as 10.0.0.0/8.")).ToList();

            // Set whole, so that ASPNETCORE_FORWARDEDHEADERS_ENABLED (which would trust every sender) cannot widen it.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            proxies.ForEach(options.KnownProxies.Add);
            networks.ForEach(options.KnownIPNetworks.Add);
        });
        return builder;
    }

    private static string[] Entries(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
