using Dapper;
using Keybrake.Mcp.Manifests;

namespace Keybrake.Mcp.Ledger;

/// <summary>How much of a budget is used: the one query that both call holds and approval holds check against.</summary>
internal static class BudgetQueries
{
    /// <summary>The name a transaction locks to be the only one reserving against a budget (<see cref="LedgerDialect.LockAsync"/>).</summary>
    public static string LockName(CallIdentity who, Budget budget) =>
        $"budget:{UsageBuckets.Scope(budget.Per, who)}:{budget.Limit.Currency.Code}";

    /// <summary>Settled plus held money in the budget's window: what a new hold must fit beside.</summary>
    public static Task<long> UsedAsync(LedgerSession s, CallIdentity who, Budget budget, long now) =>
        UsageBuckets.SumAsync(s, UsageBuckets.Scope(budget.Per, who), UsageBuckets.Spend, budget.Limit.Currency.Code, budget.Window, now);

    /// <summary>
    /// The budget's usage split into settled and held (calls in flight, unknown outcomes, pending approvals): what a refusal
    /// and <c>spend</c> show. <paramref name="used"/> is <see cref="UsedAsync"/> when the caller has just read it.
    /// </summary>
    public static async Task<BudgetUsage> UsageAsync(LedgerSession s, CallIdentity who, Budget budget, long now, long? used = null)
    {
        var total = used ?? await UsedAsync(s, who, budget, now);
        // Spend rows exist only while held: few.
        var held = await s.Connection.ExecuteScalarAsync<long>(
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM spend WHERE role = @role AND currency = @currency " +
            "AND at_ms >= @from AND (@agent IS NULL OR agent = @agent)",
            new { role = who.Role, currency = budget.Limit.Currency.Code, from = WindowStart(budget.Window, now), agent = budget.Per == LimitScope.Agent ? who.Agent : null },
            s.Transaction);
        // The total counts whole buckets and a hold's own series, the held part the exact window: at the window's edge the
        // two can disagree by a hold, so the split (never the check) is clamped.
        return new BudgetUsage(who.Role, budget.Per == LimitScope.Agent ? who.Agent : null, budget, Math.Max(0, total - held), held);
    }

    /// <summary>The first enforced (not shadow) budget that has no room for <paramref name="minor"/> more, with its usage.</summary>
    public static async Task<BudgetUsage?> FirstWithoutRoomAsync(LedgerSession s, CallIdentity who, IEnumerable<Budget> budgets, long minor, long now)
    {
        foreach (var budget in budgets.Where(b => !b.Shadow))
        {
            var used = await UsedAsync(s, who, budget, now);
            if (used + minor > budget.Limit.Minor)
            {
                return await UsageAsync(s, who, budget, now, used);
            }
        }

        return null;
    }

    public static long WindowStart(RollingWindow window, long nowMs) =>
        window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds : long.MinValue;
}
