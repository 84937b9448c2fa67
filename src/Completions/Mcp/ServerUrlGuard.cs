using System.Net;
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
                addresses = await Dns.GetHostAddressesAsync(serverUrl.IdnHost, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                return; // Unreachable, not forbidden: the connection attempt reports it.
            }
        }

        var refused = addresses.FirstOrDefault(a => !PublicAddressGuard.IsPublic(a));
        if (refused is not null)
        {
            throw new InvalidRequestException(
                $"The MCP server URL {serverUrl} resolves to the non-public address {refused}, which is not allowed " +
                "(Completions:AllowPrivateNetworkServers turns this guard off for local setups).",
                param) { Code = "mcp_server_url_not_allowed" };
        }
    }
}
