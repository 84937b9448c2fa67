using System.Net;
using System.Net.Sockets;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// Dials only addresses on the public internet: the connect-time half of the engine's guard against server-side
/// request forgery, for hosts that fetch URLs they were given (OAuth metadata, client ID metadata documents) with
/// their own <see cref="HttpClient"/>.
/// </summary>
public static class PublicAddressGuard
{
    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that dials only public addresses.</summary>
    /// <remarks>
    /// The callback runs for every connection the handler opens, so a redirect's new host is checked as well, and
    /// the address checked is the one dialled, so a DNS answer that changes after an earlier check is refused too.
    /// </remarks>
    /// <param name="context">The connection the handler opens.</param>
    /// <param name="cancellationToken">Cancels the DNS lookup and the connection attempt.</param>
    /// <returns>The connected stream.</returns>
    /// <exception cref="HttpRequestException">The host resolves only to non-public addresses.</exception>
    public static ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ConnectToAllowedAddressAsync(context, IsPublic, cancellationToken);
    }

    /// <summary>
    /// Whether an address is on the public internet: outside every range of the IANA IPv4 and IPv6 special-purpose
    /// address registries (loopback, private, link-local, ...); IPv4 addresses embedded in IPv6 are judged as IPv4.
    /// </summary>
    /// <param name="address">The address to judge.</param>
    /// <returns>True when the address is public.</returns>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return SpecialPurposeAddresses.IsPublic(address);
    }

    /// <summary>
    /// Dials the first of the host's addresses that <paramref name="isAllowed"/> lets through: <see cref="ConnectAsync"/>
    /// with a rule of the caller's (e.g. public addresses plus a configured private range).
    /// </summary>
    /// <param name="context">The connection the handler opens.</param>
    /// <param name="isAllowed">Whether an address may be dialled.</param>
    /// <param name="cancellationToken">Cancels the DNS lookup and the connection attempt.</param>
    /// <returns>The connected stream.</returns>
    /// <exception cref="HttpRequestException">The host resolves only to addresses that are not allowed.</exception>
    public static async ValueTask<Stream> ConnectToAllowedAddressAsync(
        SocketsHttpConnectionContext context, Func<IPAddress, bool> isAllowed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(isAllowed);
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var allowed = addresses.Where(isAllowed).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"Connecting to {host} was refused: it resolves only to non-public addresses.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
