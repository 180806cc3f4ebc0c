using Keybrake.Mcp.Ledger.Storage;
using Keybrake.Mcp.Manifests;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>How much of a budget is used: the one query that both call holds and approval holds check against.</summary>
internal static class BudgetQueries
{
    /// <summary>Settled plus held money in the budget's window: what a new hold must fit beside.</summary>
    public static long Used(SqliteConnection connection, CallIdentity who, Budget budget, long now) =>
        UsageBuckets.Sum(connection, UsageBuckets.Scope(budget.Per, who), UsageBuckets.Spend, budget.Limit.Currency.Code, budget.Window, now);

    /// <summary>
    /// The budget's usage split into settled and held (calls in flight, unknown outcomes, pending approvals): what a refusal
    /// and <c>spend</c> show. <paramref name="used"/> is <see cref="Used"/> when the caller has just read it.
    /// </summary>
    public static BudgetUsage Usage(SqliteConnection connection, CallIdentity who, Budget budget, long now, long? used = null)
    {
        var total = used ?? Used(connection, who, budget, now);
        // Spend rows exist only while held: few.
        var held = connection.ExecInt64(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM spend WHERE role = @role AND currency = @currency " +
            "AND at_ms >= @from AND (@agent IS NULL OR agent = @agent)",
            ("@role", who.Role), ("@currency", budget.Limit.Currency.Code), ("@from", WindowStart(budget.Window, now)),
            ("@agent", budget.Per == LimitScope.Agent ? who.Agent : null));
        // The total counts whole buckets and a hold's own series, the held part the exact window: at the window's edge the
        // two can disagree by a hold, so the split (never the check) is clamped.
        return new BudgetUsage(who.Role, budget.Per == LimitScope.Agent ? who.Agent : null, budget, Math.Max(0, total - held), held);
    }

    /// <summary>The first enforced (not shadow) budget that has no room for <paramref name="minor"/> more, with its usage.</summary>
    public static BudgetUsage? FirstWithoutRoom(SqliteConnection connection, CallIdentity who, IEnumerable<Budget> budgets, long minor, long now)
    {
        foreach (var budget in budgets.Where(b => !b.Shadow))
        {
            var used = Used(connection, who, budget, now);
            if (used + minor > budget.Limit.Minor)
            {
                return Usage(connection, who, budget, now, used);
            }
        }

        return null;
    }

    public static long WindowStart(RollingWindow window, long nowMs) =>
        window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds : long.MinValue;
}
