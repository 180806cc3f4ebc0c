using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Manifests;

/// <summary>A cap on money moved by one agent or by the whole role over a rolling window.</summary>
/// <param name="Shadow">Audit-only: would-be refusals are recorded as <c>shadow_denied</c> and the call passes.</param>
public sealed record Budget(LimitScope Per, RollingWindow Window, MoneyAmount Limit, bool Shadow = false);

/// <summary>A cap on the number of calls by one agent or by the whole role over a rolling window.</summary>
public sealed record RateLimit(LimitScope Per, int Calls, RollingWindow Window, bool Shadow = false);

/// <summary>Whose usage a limit counts.</summary>
public enum LimitScope
{
    Agent,
    Role,
}
