using System.Net;
using System.Net.Sockets;

namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>A loopback port that was free a moment ago, for servers that must be told their port before they start.</summary>
internal static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
