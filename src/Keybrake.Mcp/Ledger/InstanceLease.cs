namespace Keybrake.Mcp.Ledger;

/// <summary>
/// A server instance's claim that it runs: renewed while it does. The calls it started whose outcome is unknown are its
/// own to finish until the lease lapses (or, on its host, its process is gone); then they are orphans anyone settles.
/// </summary>
public sealed record InstanceLease(string Instance, string Host, int Pid, DateTimeOffset Started, DateTimeOffset Renewed, DateTimeOffset Expires);
