using System.Net;
using System.Net.Sockets;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>Ports for servers the tests start, whose address must be known before they listen.</summary>
public static class LoopbackPort
{
    /// <summary>A port free on 127.0.0.1 now (the OS hands out another one next time).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
