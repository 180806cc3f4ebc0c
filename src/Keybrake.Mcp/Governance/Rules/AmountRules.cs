using Keybrake.Mcp.Ledger;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Money;

namespace Keybrake.Mcp.Governance.Rules;

/// <summary>
/// The amount rules of step 3, pure: the resolved amount (not only the requested one: a full refund has none) against the tool's
/// <c>maxAmount</c>, its currency against the role's budgets (no silent conversion), and what a subscription change adds
/// to every period against <c>maxRecurringIncrease</c>.
/// </summary>
public static class AmountRules
{
    public static Denial? Check(string tool, RoleManifest role, ToolGrant grant, Resolution resolved)
    {
        if (grant.MaxRecurringIncrease is { } cap && resolved.RecurringDelta is { } delta)
        {
            if (cap.Currency != delta.Currency)
            {
                return new Denial(DenialCodes.NotAllowed,
                    $"{resolved.Action} changes what {resolved.Describes ?? "the subscription"} bills in {delta.Currency.Code}, but {tool}'s maxRecurringIncrease for role '{role.Role}' is in {cap.Currency.Code}");
            }

            if (delta.Minor > cap.Minor)
            {
                return new Denial(DenialCodes.NotAllowed,
                        $"{resolved.Action} would raise what {resolved.Describes ?? "the subscription"} bills by {MoneyAmount.Format(delta.Minor, delta.Currency)} {delta.Period}, " +
                        $"above {tool}'s maxRecurringIncrease of {cap} for role '{role.Role}'")
                    .With("recurring_delta", delta.ToJson())
                    .With("max_recurring_increase", cap.Minor);
            }
        }

        if (resolved.Moves is not { } moves)
        {
            return null;
        }

        if (grant.MaxAmount is { } max)
        {
            if (max.Currency != moves.Currency)
            {
                return new Denial(DenialCodes.NotAllowed,
                    $"{resolved.Action} of {moves} is in {moves.Currency.Code}, but {tool}'s maxAmount for role '{role.Role}' is in {max.Currency.Code}");
            }

            if (moves.Minor > max.Minor)
            {
                return new Denial(DenialCodes.NotAllowed,
                    $"{resolved.Action} of {moves} is above {tool}'s maxAmount of {max} for role '{role.Role}'; pass an amount of at most {max.Minor} (minor units)");
            }
        }

        if (role.Budgets.Length > 0 && !role.Budgets.Any(b => b.Limit.Currency == moves.Currency))
        {
            var currencies = string.Join(", ", role.Budgets.Select(b => b.Limit.Currency.Code).Distinct());
            return new Denial(DenialCodes.NotAllowed,
                $"{resolved.Action} of {moves} is in {moves.Currency.Code}, but role '{role.Role}' has budgets only in {currencies} (no conversion is made)");
        }

        return null;
    }

    /// <summary>The message for a budget with no room for even the least the call moves, before its exact amount is read.</summary>
    public static Denial NoRoom(string tool, BudgetUsage usage, long leastMinor)
    {
        var currency = usage.Budget.Limit.Currency;
        return WouldExceed(tool, usage,
            $", {MoneyAmount.FormatNumber(usage.RemainingMinor, currency)} left, and this call moves at least {MoneyAmount.FormatNumber(leastMinor, currency)}");
    }

    /// <summary>The message for a budget that a call would exceed, with the numbers.</summary>
    public static Denial OverBudget(Resolution resolved, BudgetUsage usage) =>
        WouldExceed($"{resolved.Action} of {resolved.Moves!.Value}", usage, "");

    /// <remarks>
    /// Used (settled) and held are said apart: a budget full of holds (pending approvals, calls in flight, unknown outcomes)
    /// is not money that moved, and an operator reading "100.00 of 100.00 used" would look for spending that never happened.
    /// </remarks>
    private static Denial WouldExceed(string what, BudgetUsage usage, string more)
    {
        var limit = usage.Budget.Limit;
        var whose = usage.Budget.Per == LimitScope.Agent ? "agent's" : "role's";
        var held = usage.HeldMinor == 0
            ? "nothing held"
            : $"{MoneyAmount.FormatNumber(usage.HeldMinor, limit.Currency)} held for calls in flight, unknown outcomes and pending approvals";
        return new Denial(DenialCodes.BudgetExceeded,
                $"{what} would exceed the {whose} {usage.Budget.Window.Name()} budget: {MoneyAmount.FormatNumber(usage.SettledMinor, limit.Currency)} of {limit} used, {held}{more}")
            .With("limit", limit.Minor)
            .With("used", usage.SettledMinor)
            .With("held", usage.HeldMinor)
            .With("remaining", usage.RemainingMinor)
            .With("currency", limit.Currency.Code);
    }
}
