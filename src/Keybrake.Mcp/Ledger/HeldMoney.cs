namespace Keybrake.Mcp.Ledger;

/// <summary>Money held in one currency (the <c>spend</c> table's rows, summed), in minor units.</summary>
public sealed record HeldMoney(string Currency, long AmountMinor);
