using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are honoured only from the proxies named in
/// <c>ForwardedHeaders:KnownProxies</c> (addresses) and <c>ForwardedHeaders:KnownNetworks</c> (CIDR ranges); without
/// them, only from this machine (loopback). Anyone else could otherwise pick the client address that sign-in throttling counts.
/// </summary>
internal static class ForwardedHeadersExtensions
{
    public const string SectionName = "ForwardedHeaders";

    public static IHostApplicationBuilder AddTrustedProxies(this IHostApplicationBuilder builder)
    {
        // Read when the options are first used: settings added by a host builder after this call count too.
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            var proxies = Entries(configuration, "KnownProxies").Select(p => IPAddress.TryParse(p, out var address)
                ? address
                : throw new InvalidOperationException($"{SectionName}:KnownProxies has '{p}', which is not an IP address.")).ToList();
            var networks = Entries(configuration, "KnownNetworks").Select(n => System.Net.IPNetwork.TryParse(n, out var network)
                ? network
                : throw new InvalidOperationException($"{SectionName}:KnownNetworks has '{n}', which is not a CIDR range such as 10.0.0.0/8.")).ToList();
            if (proxies.Count == 0 && networks.Count == 0)
            {
                proxies.Add(IPAddress.IPv6Loopback);
                networks.Add(new System.Net.IPNetwork(IPAddress.Loopback, 8));
            }

            // Set whole, so that ASPNETCORE_FORWARDEDHEADERS_ENABLED (which would trust every sender) cannot widen it.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            proxies.ForEach(options.KnownProxies.Add);
            networks.ForEach(options.KnownIPNetworks.Add);
        });
        return builder;
    }

    private static IEnumerable<string> Entries(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection($"{SectionName}:{key}");
        var values = string.IsNullOrEmpty(section.Value) ? section.GetChildren().Select(c => c.Value ?? "") : section.Value.Split(',');
        return values.Select(v => v.Trim()).Where(v => v.Length > 0);
    }
}
