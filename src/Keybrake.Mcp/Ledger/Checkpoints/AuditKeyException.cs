namespace Keybrake.Mcp.Ledger.Checkpoints;

/// <summary>A key file that cannot be used (missing, unreadable, not a P-256 PEM key); the message says which and why.</summary>
public sealed class AuditKeyException(string message) : Exception(message);
