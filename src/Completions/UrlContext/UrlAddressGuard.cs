using System.Net;
using System.Net.Sockets;
using McpSubAgent.Completions.Mcp;
using Microsoft.Extensions.Options;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>
/// The guard against server-side request forgery through URLs in a person's message: only public addresses, and the
/// ranges of <see cref="UrlContextOptions.AllowedPrivateNetworks"/>, may be fetched. Each hop is checked before it is
/// requested (so a refused URL gets a clear note and no connection attempt), and the connect callback checks the
/// address actually dialled (so a DNS answer that changes in between is refused too).
/// </summary>
internal sealed class UrlAddressGuard(IOptions<UrlContextOptions> options)
{
    private IPNetwork[]? _allowed;

    public bool IsAllowed(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (PublicAddressGuard.IsPublic(plain))
        {
            return true;
        }

        _allowed ??= [.. options.Value.AllowedPrivateNetworks.Select(n => IPNetwork.Parse(n))];
        return _allowed.Any(n => n.Contains(plain));
    }

    /// <summary>The first address of the URL's host that may not be fetched, or null. A host that does not resolve is left to fail on connect.</summary>
    public async Task<IPAddress?> RefusedAddressAsync(Uri url, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(url.IdnHost, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                return null;
            }
        }

        return addresses.FirstOrDefault(a => !IsAllowed(a));
    }

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/> of the URL context client.</summary>
    public ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken) =>
        PublicAddressGuard.ConnectToAllowedAddressAsync(context, IsAllowed, cancellationToken);
}
