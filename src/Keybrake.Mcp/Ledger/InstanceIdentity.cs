using System.Security.Cryptography;

namespace Keybrake.Mcp.Ledger;

/// <summary>This server process as the ledger knows it: the calls it starts carry its id, and its lease says it still runs.</summary>
public sealed record InstanceIdentity(string Id, string Host, int Pid, DateTimeOffset Started)
{
    /// <summary>A new identity for this process: ids are never reused, so a restarted server is a new instance.</summary>
    public static InstanceIdentity ForThisProcess(TimeProvider time) =>
        new($"inst_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}", Environment.MachineName, Environment.ProcessId, time.GetUtcNow());
}
