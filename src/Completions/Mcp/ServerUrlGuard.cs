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
    /// <remarks>
    /// The callback runs for every connection the handler opens, so a redirect's new host is checked as well.
    /// </remarks>
    public static ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken) =>
        ConnectToAllowedAddressAsync(context, IsPublic, cancellationToken);

    /// <summary>Dials the first of the host's addresses that <paramref name="isAllowed"/> lets through.</summary>
    internal static async ValueTask<Stream> ConnectToAllowedAddressAsync(
        SocketsHttpConnectionContext context, Func<IPAddress, bool> isAllowed, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(isAllowed).ToArray();
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

    /// <summary>Whether an address is on the public internet: outside every range of <see cref="SpecialPurposeAddresses"/>.</summary>
    public static bool IsPublic(IPAddress address) => SpecialPurposeAddresses.IsPublic(address);
}
