using Keybrake.Mcp.Manifests;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>How much of a budget is used: the one query that both call holds and approval holds check against.</summary>
internal static class BudgetQueries
{
    public static long Used(SqliteConnection connection, CallIdentity who, Budget budget, long now) =>
        UsageBuckets.Sum(connection, UsageBuckets.Scope(budget.Per, who), UsageBuckets.Spend, budget.Limit.Currency.Code, budget.Window, now);

    /// <summary>The first enforced (not shadow) budget that has no room for <paramref name="minor"/> more, with its usage.</summary>
    public static (Budget Budget, long UsedMinor)? FirstWithoutRoom(SqliteConnection connection, CallIdentity who,
        IEnumerable<Budget> budgets, long minor, long now)
    {
        foreach (var budget in budgets.Where(b => !b.Shadow))
        {
            var used = Used(connection, who, budget, now);
            if (used + minor > budget.Limit.Minor)
            {
                return (budget, used);
            }
        }

        return null;
    }

    public static long WindowStart(RollingWindow window, long nowMs) =>
        window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds : long.MinValue;
}
