using System.Data;
using Dapper;
using Keybrake.Mcp.Manifests;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>How much of a budget is used: the one query that both call holds and approval holds check against.</summary>
internal static class BudgetQueries
{
    public static async Task<long> UsedAsync(SqliteConnection connection, IDbTransaction tx, CallIdentity who, Budget budget, long now, CancellationToken ct)
    {
        var column = budget.Per == LimitScope.Agent ? "agent" : "role";
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COALESCE(SUM(amount_minor), 0) FROM spend WHERE {column} = @key AND currency = @Currency AND at_ms >= @from",
            new
            {
                key = budget.Per == LimitScope.Agent ? who.Agent : who.Role,
                Currency = budget.Limit.Currency.Code,
                from = WindowStart(budget.Window, now),
            }, tx, cancellationToken: ct));
    }

    public static long WindowStart(RollingWindow window, long nowMs) =>
        window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds : long.MinValue;
}
