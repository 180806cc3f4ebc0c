namespace Keybrake.Mcp.Ledger;

/// <summary>What <c>keybrake-mcp agents</c> shows of one agent: its last call and the money it moved (or holds) recently.</summary>
public sealed record AgentActivity(string Agent, DateTimeOffset? LastCall, IReadOnlyDictionary<string, long> SpendByCurrency);
