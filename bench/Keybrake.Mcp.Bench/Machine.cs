namespace Keybrake.Mcp.Bench;

/// <summary>What the numbers were measured on.</summary>
public static class Machine
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memKb = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"Machine: {Environment.ProcessorCount} cores (nproc), CPU {cpu ?? "?"}, memory {memKb ?? "?"}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
               $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}. Ledger: SQLite WAL, synchronous=NORMAL (servers' default) unless a row says FULL.";
    }
}
