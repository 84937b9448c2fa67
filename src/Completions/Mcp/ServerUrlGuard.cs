using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using McpSubAgent.Completions.Requests;
using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// The guard against server-side request forgery through user-given MCP server URLs: hosts that resolve to loopback,
/// private, link-local or otherwise non-public addresses are refused unless
/// <see cref="CompletionsOptions.AllowPrivateNetworkServers"/> is on. The early check gives a clear 400; the connect
/// callback checks the address actually dialled, so a DNS answer that changes in between (rebinding) is refused too.
/// </summary>
internal sealed class ServerUrlGuard(IOptions<CompletionsOptions> options)
{
    public bool Enabled => !options.Value.AllowPrivateNetworkServers;

    /// <summary>Refuses a URL whose host resolves to a non-public address. A host that does not resolve is left to fail on connect.</summary>
    public async Task EnsureAllowedAsync(Uri serverUrl, string param, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(serverUrl.IdnHost.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(serverUrl.IdnHost, cancellationToken);
            }
            catch (SocketException)
            {
                return; // Unreachable, not forbidden: the connection attempt reports it.
            }
        }

        var refused = addresses.FirstOrDefault(a => !IsPublic(a));
        if (refused is not null)
        {
            throw new InvalidRequestException(
                $"The MCP server URL {serverUrl} resolves to the non-public address {refused}, which is not allowed " +
                "(Completions:AllowPrivateNetworkServers turns this guard off for local setups).",
                param) { Code = "mcp_server_url_not_allowed" };
        }
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that dials only public addresses.</summary>
    public static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"Connecting to {host} was refused: it resolves only to non-public addresses.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Whether an address is on the public internet (not loopback, private, link-local, shared, reserved or multicast).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)     // shared address space (CGNAT)
                || (b[0] == 169 && b[1] == 254)                   // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)        // IETF protocol assignments
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19)));  // benchmarking
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
                || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)   // NAT64 may reach private IPv4
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)); // documentation
        }

        return false;
    }
}
