namespace Keybrake.Mcp.Ledger;

/// <summary>Who a call is on behalf of: the agent and its role.</summary>
public sealed record CallIdentity(string Agent, string Role);
