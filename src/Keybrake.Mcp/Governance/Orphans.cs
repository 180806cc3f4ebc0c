using System.Diagnostics;
using Keybrake.Mcp.Ledger;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// Which unknown calls are orphans: started by a server instance that no longer runs, so nobody will finish them but a
/// reconciliation. An instance no longer runs when its lease lapsed (renewed every few seconds while it runs, on any
/// host), or, on this host, when its process is gone (no need to wait for the lease). A call with no instance, or whose
/// instance never took a lease, is judged by its age alone.
/// </summary>
public sealed class Orphans(ILedger ledger, TimeProvider time)
{
    /// <summary>A test for the calls of one moment: reads the leases once.</summary>
    public async Task<Func<AuditRecord, bool>> JudgeAsync(CancellationToken ct)
    {
        var leases = (await ledger.ReadLeasesAsync(ct)).ToDictionary(l => l.Instance, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var host = Environment.MachineName;
        return call => call.Instance is { } instance && leases.TryGetValue(instance, out var lease)
            && (lease.Expires < now || (lease.Host == host && !IsRunning(lease)));
    }

    // The lease's process on this host, if it is still the same process (a pid can be reused by a later process).
    private static bool IsRunning(InstanceLease lease)
    {
        if (lease.Pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(lease.Pid);
            return !process.HasExited && Math.Abs((process.StartTime.ToUniversalTime() - lease.Started.UtcDateTime).TotalSeconds) < 30;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;
        }
    }
}
