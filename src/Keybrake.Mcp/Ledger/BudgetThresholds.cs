using Dapper;
using Keybrake.Mcp.Manifests;
using Keybrake.Mcp.Notifications;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Reports a budget's usage crossing 80% and 100% of its limit. The crossing is computed from the usage a hold's check
/// has already read, so a call that crosses nothing writes nothing more; one that does writes one event per threshold,
/// at most once per window length per budget and threshold (a released hold taken again is not a second crossing).
/// </summary>
internal static class BudgetThresholds
{
    private static readonly int[] Percents = [80, 100];

    /// <summary>A budget whose usage went from <see cref="Before"/> to <see cref="After"/> across one of the thresholds.</summary>
    public sealed record Crossing(Budget Budget, long Before, long After);

    /// <summary>The crossing of a hold of <paramref name="hold"/> on top of <paramref name="before"/>, or null (no allocation) when there is none.</summary>
    public static Crossing? Of(Budget budget, long before, long hold)
    {
        var after = before + hold;
        foreach (var percent in Percents)
        {
            if (Below(before, budget.Limit.Minor, percent) && !Below(after, budget.Limit.Minor, percent))
            {
                return new Crossing(budget, before, after);
            }
        }

        return null;
    }

    /// <summary>Enqueues one event per threshold crossed not reported within its window; inside the hold's transaction, under its budget locks.</summary>
    public static async Task ReportAsync(LedgerSession s, CallIdentity who, IEnumerable<Crossing> crossings, long now)
    {
        foreach (var crossing in crossings)
        {
            var budget = crossing.Budget;
            foreach (var percent in Percents.Where(p => Below(crossing.Before, budget.Limit.Minor, p) && !Below(crossing.After, budget.Limit.Minor, p)))
            {
                var (scope, currency, window) = (UsageBuckets.Scope(budget.Per, who), budget.Limit.Currency.Code, budget.Window.Name());
                var since = budget.Window.Length() is { } length ? now - (long)length.TotalMilliseconds : long.MinValue;
                var recent = await s.Connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM notify_threshold WHERE scope = @scope AND currency = @currency AND window_name = @window AND percent = @percent " +
                    "AND at_ms > @since",
                    new { scope, currency, window, percent, since }, s.Transaction);
                if (recent > 0)
                {
                    continue;
                }

                await s.Connection.ExecuteAsync(
                    "INSERT INTO notify_threshold (scope, currency, window_name, percent, at_ms) VALUES (@scope, @currency, @window, @percent, @now) " +
                    "ON CONFLICT (scope, currency, window_name, percent) DO UPDATE SET at_ms = excluded.at_ms",
                    new { scope, currency, window, percent, now }, s.Transaction);
                await Outbox.EnqueueAsync(s, NotificationEvents.BudgetThreshold(who, budget, percent, crossing.After, DateTimeOffset.FromUnixTimeMilliseconds(now)));
            }
        }
    }

    /// <summary>
    /// After a hold that did not read each budget's usage first (an approval's): reads it now, with the hold in it, and
    /// reports what the hold crossed.
    /// </summary>
    public static async Task ReportHoldAsync(LedgerSession s, CallIdentity who, IEnumerable<Budget> budgets, long hold, long now)
    {
        List<Crossing>? crossings = null;
        foreach (var budget in budgets)
        {
            var after = await BudgetQueries.UsedAsync(s, who, budget, now);
            if (Of(budget, after - hold, hold) is { } crossing)
            {
                (crossings ??= []).Add(crossing);
            }
        }

        if (crossings is not null)
        {
            await ReportAsync(s, who, crossings, now);
        }
    }

    // Integer arithmetic: 80% of 500.01 USD is 400.008, and 400.00 is below it.
    private static bool Below(long used, long limit, int percent) => used * 100 < limit * percent;
}
