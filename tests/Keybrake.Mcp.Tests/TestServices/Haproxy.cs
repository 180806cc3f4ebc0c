using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Keybrake.Mcp.Tests.TestServices;

/// <summary>
/// HAProxy (Debian's) in front of several servers, round robin, with the configuration the README gives: requests that
/// carry an <c>Mcp-Session-Id</c> (clients up to 2025-11-25) stick to the server that issued it; the rest go anywhere.
/// </summary>
public sealed class Haproxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir;

    private Haproxy(Process process, TempDirectory dir, Uri endpoint)
    {
        _process = process;
        _dir = dir;
        Endpoint = endpoint;
    }

    /// <summary>The balanced <c>/mcp</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The configuration the README documents, for these servers and this port.</summary>
    public static string Configuration(int port, IEnumerable<Uri> servers) => $$"""
        global
            maxconn 512
        defaults
            mode http
            timeout connect 5s
            timeout client 120s
            timeout server 120s
        frontend mcp
            bind 127.0.0.1:{{port}}
            default_backend keybrake
        backend keybrake
            balance roundrobin
            # Sessions (MCP up to 2025-11-25) live in the server that created them: stick to it. 2026-07-28 has none.
            stick-table type string len 128 size 100k expire 1h
            stick store-response res.hdr(Mcp-Session-Id)
            stick match req.hdr(Mcp-Session-Id)
        {{string.Join("\n", servers.Select((s, i) => $"    server keybrake{i} {s.Host}:{s.Port}"))}}
        """;

    public static async Task<Haproxy> StartAsync(IEnumerable<Uri> servers)
    {
        var binary = new[] { "/usr/sbin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("haproxy is not installed: the load-balanced test needs it (Debian: apt-get install haproxy; .ci/run installs it)");
        var dir = new TempDirectory();
        var port = LoopbackPort.Free();
        var config = dir.File("haproxy.cfg");
        await File.WriteAllTextAsync(config, Configuration(port, servers) + "\n");
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-f", config, "-db" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var waited = 0; ; waited++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (waited < 200 && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"haproxy did not listen:\n{string.Join("\n", log)}\n{await File.ReadAllTextAsync(config)}");
            }
        }

        return new Haproxy(process, dir, new Uri($"http://127.0.0.1:{port}/mcp"));
    }


    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _dir.Dispose();
    }
}
