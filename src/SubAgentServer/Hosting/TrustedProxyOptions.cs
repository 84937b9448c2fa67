namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>The proxies whose forwarded headers are believed (configuration section <c>ForwardedHeaders</c>).</summary>
internal sealed class TrustedProxyOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Proxy IP addresses, comma-separated; the default is this machine's IPv6 loopback.</summary>
    public string KnownProxies { get; set; } = "::1";

    /// <summary>Proxy networks as CIDR ranges, comma-separated; the default is the IPv4 loopback range.</summary>
    public string KnownNetworks { get; set; } = "127.0.0.0/8";
}
