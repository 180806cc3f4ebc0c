using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>Usage of one budget: held and settled minor units inside its window (<see cref="Agent"/> set for agent budgets).</summary>
public sealed record BudgetUsage(string Role, string? Agent, Budget Budget, long SettledMinor, long HeldMinor)
{
    public long UsedMinor => SettledMinor + HeldMinor;
    public long RemainingMinor => Math.Max(0, Budget.Limit.Minor - UsedMinor);
}
