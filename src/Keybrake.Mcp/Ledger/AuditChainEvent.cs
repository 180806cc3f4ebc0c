namespace Keybrake.Mcp.Ledger;

/// <summary>One append-only event of the audit chain: a write to the audit row of <paramref name="CallId"/>, sealed by its hash.</summary>
public sealed record AuditChainEvent(long Seq, string CallId, long AtMs, string Content, string PrevHash, string Hash);
