using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>
/// Sends each checkpoint to the local syslog socket (<c>/dev/log</c> by default; journald listens there too) as an
/// RFC 3164 message, facility <c>user</c>, severity <c>notice</c>, tag <c>keybrake-mcp</c>: a syslog daemon that
/// forwards to a remote collector gets a copy off the host.
/// </summary>
public sealed class SyslogCheckpointAnchor(string socketPath, TimeProvider time) : ICheckpointAnchor
{
    /// <summary>The usual local syslog socket.</summary>
    public const string DefaultSocket = "/dev/log";

    // facility user (1) * 8 + severity notice (5)
    private const int Priority = 13;

    public string Name => $"syslog {socketPath}";

    public async Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
        await socket.SendAsync(Encoding.UTF8.GetBytes(Message(checkpoint, time.GetLocalNow(), Environment.ProcessId)), SocketFlags.None, ct);
    }

    /// <summary>The RFC 3164 message: <c>&lt;13&gt;Mmm dd hh:mm:ss keybrake-mcp[PID]: audit checkpoint {json}</c> (local time, as the RFC has it).</summary>
    public static string Message(AuditCheckpoint checkpoint, DateTimeOffset localNow, int pid)
    {
        // The day is space-padded ("Dec  5"): the RFC's fixed-width timestamp. The receiver adds its own hostname for a local socket.
        var stamp = localNow.ToString("MMM", CultureInfo.InvariantCulture) + localNow.Day.ToString(CultureInfo.InvariantCulture).PadLeft(3) +
                    localNow.ToString(" HH:mm:ss", CultureInfo.InvariantCulture);
        return $"<{Priority}>{stamp} keybrake-mcp[{pid}]: audit checkpoint {checkpoint.ToLine()}";
    }
}
