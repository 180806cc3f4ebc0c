using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Governance;

/// <summary>
/// How a call ended, as its audit row says (<c>allowed</c>, <c>denied</c>, <c>failed</c>, <c>unknown</c>), with the refusal's
/// code and the money Stripe moved: what telemetry reports of a call.
/// </summary>
public readonly record struct CallEnding(string Outcome, string? Code, MoneyAmount? Moved);
