using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace McpSubAgent.IdentityProvider.Throttling;

/// <summary>
/// The client address requests are counted under: the connection's remote address, which the forwarded headers
/// middleware replaces only for requests from configured proxies. An IPv6 client counts as its /64, since one host
/// usually holds a whole /64 and could otherwise change address for every attempt.
/// </summary>
internal static class ClientAddress
{
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return address.ToString();
    }
}
