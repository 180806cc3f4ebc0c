using System.Data;
using Keybrake.Mcp.Manifests;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>How much of a budget is used: the one query that both call holds and approval holds check against.</summary>
internal static class BudgetQueries
{
    public static long Used(SqliteConnection connection, IDbTransaction? tx, CallIdentity who, Budget budget, long now) =>
        UsageBuckets.Sum(connection, tx, UsageBuckets.Scope(budget.Per, who), UsageBuckets.Spend, budget.Limit.Currency.Code, budget.Window, now);

    public static long WindowStart(RollingWindow window, long nowMs) =>
        window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds : long.MinValue;
}
