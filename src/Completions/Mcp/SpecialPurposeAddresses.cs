using System.Net;
using System.Net.Sockets;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// The address ranges that are not on the public internet, after the IANA IPv4 and IPv6 special-purpose address
/// registries (plus the deprecated ranges they no longer list). Addresses that embed an IPv4 address (IPv4-mapped,
/// IPv4-compatible, 6to4, NAT64) are judged by the IPv4 address they lead to.
/// </summary>
internal static class SpecialPurposeAddresses
{
    /// <summary>The IPv4 ranges that are not globally reachable (or would reach more than one host).</summary>
    public static readonly IReadOnlyList<System.Net.IPNetwork> IPv4 = Parse(
        "0.0.0.0/8",          // "this network" (RFC 791); 0.0.0.0 dials the local host on Linux
        "10.0.0.0/8",         // private (RFC 1918)
        "100.64.0.0/10",      // shared address space, carrier-grade NAT (RFC 6598)
        "127.0.0.0/8",        // loopback
        "169.254.0.0/16",     // link-local, cloud metadata services
        "172.16.0.0/12",      // private (RFC 1918)
        "192.0.0.0/24",       // IETF protocol assignments (DS-Lite, NAT64 discovery, ...)
        "192.0.2.0/24",       // documentation TEST-NET-1 (RFC 5737)
        "192.88.99.0/24",     // deprecated 6to4 relay anycast (RFC 7526)
        "192.168.0.0/16",     // private (RFC 1918)
        "198.18.0.0/15",      // benchmarking (RFC 2544)
        "198.51.100.0/24",    // documentation TEST-NET-2
        "203.0.113.0/24",     // documentation TEST-NET-3
        "224.0.0.0/4",        // multicast
        "240.0.0.0/4",        // reserved (RFC 1112)
        "255.255.255.255/32"); // limited broadcast

    /// <summary>
    /// The IPv6 ranges that are not globally reachable. Anything outside global unicast (2000::/3) is refused as well,
    /// except the forms that embed an IPv4 address, which the IPv4 table decides.
    /// </summary>
    public static readonly IReadOnlyList<System.Net.IPNetwork> IPv6 = Parse(
        "::/128",             // unspecified
        "::1/128",            // loopback
        "64:ff9b:1::/48",     // local-use IPv4/IPv6 translation (RFC 8215)
        "100::/64",           // discard-only (RFC 6666)
        "100:0:0:1::/64",     // dummy prefix (RFC 9780)
        "2001::/23",          // IETF protocol assignments: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID, ...
        "2001:db8::/32",      // documentation (RFC 3849)
        "3fff::/20",          // documentation (RFC 9637)
        "5f00::/16",          // segment routing SIDs (RFC 9602)
        "fc00::/7",           // unique local
        "fe80::/10",          // link-local
        "fec0::/10",          // deprecated site-local
        "ff00::/8");          // multicast

    /// <summary>The only IPv6 block from which public unicast addresses are allocated.</summary>
    public static readonly System.Net.IPNetwork GlobalUnicast = System.Net.IPNetwork.Parse("2000::/3");

    /// <summary>IPv6 forms whose last or inner 32 bits are an IPv4 address that the connection in effect reaches (besides IPv4-mapped ::ffff:0:0/96).</summary>
    public static readonly System.Net.IPNetwork IPv4Compatible = System.Net.IPNetwork.Parse("::/96");

    /// <inheritdoc cref="IPv4Compatible"/>
    public static readonly System.Net.IPNetwork Nat64 = System.Net.IPNetwork.Parse("64:ff9b::/96");

    /// <inheritdoc cref="IPv4Compatible"/>
    public static readonly System.Net.IPNetwork SixToFour = System.Net.IPNetwork.Parse("2002::/16");

    /// <summary>Whether an address is on the public internet.</summary>
    public static bool IsPublic(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => !IPv4.Any(n => n.Contains(address)),
        AddressFamily.InterNetworkV6 => IsPublicIPv6(address),
        _ => false,
    };

    private static bool IsPublicIPv6(IPAddress address)
    {
        // First, and not through IPNetwork.Contains: on .NET 10 it answers at random for IPv4-mapped addresses
        // (2000::/3 "contains" ::ffff:10.0.0.1 but not ::ffff:127.0.0.1).
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        if (IPv6.Any(n => n.Contains(address)))
        {
            return false; // before the embedded forms: :: and ::1 are also in ::/96
        }

        var bytes = address.GetAddressBytes();
        if (IPv4Compatible.Contains(address) || Nat64.Contains(address))
        {
            return IsPublic(new IPAddress(bytes.AsSpan(12, 4)));
        }

        if (SixToFour.Contains(address))
        {
            return IsPublic(new IPAddress(bytes.AsSpan(2, 4)));
        }

        return GlobalUnicast.Contains(address);
    }

    private static System.Net.IPNetwork[] Parse(params string[] ranges) => [.. ranges.Select(System.Net.IPNetwork.Parse)];
}
