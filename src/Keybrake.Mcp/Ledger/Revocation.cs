namespace Keybrake.Mcp.Ledger;

/// <summary>An active revocation that covers an agent.</summary>
public sealed record Revocation(string Scope, DateTimeOffset RevokedAt, string? Reason);
