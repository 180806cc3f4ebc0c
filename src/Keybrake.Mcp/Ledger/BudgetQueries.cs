using System.Data;
using Keybrake.Mcp.Manifests;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>How much of a budget is used: the one query that both call holds and approval holds check against.</summary>
internal static class BudgetQueries
{
    public static Task<long> UsedAsync(SqliteConnection connection, IDbTransaction tx, CallIdentity who, Budget budget, long now, CancellationToken ct) =>
        UsageBuckets.SumAsync(connection, tx, UsageBuckets.Scope(budget.Per, who), UsageBuckets.Spend, budget.Limit.Currency.Code, budget.Window, now, ct);

    public static long WindowStart(RollingWindow window, long nowMs) =>
        window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds : long.MinValue;
}
