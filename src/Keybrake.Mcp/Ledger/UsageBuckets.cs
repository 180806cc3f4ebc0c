using System.Data;
using Dapper;
using Keybrake.Mcp.Manifests;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger;

/// <summary>
/// Usage kept in time buckets per scope (<c>agent:NAME</c> / <c>role:NAME</c>): a rolling window's usage is the sum of
/// the buckets that overlap it. A bucket straddling the window's start counts whole, so usage leaves a window up to
/// one bucket late: limits can refuse a little early, never let anything through late.
/// </summary>
internal static class UsageBuckets
{
    public const string Spend = "spend";
    public const string Calls = "calls";

    /// <summary>The bucket series, by index: 1 s, 1 min, 1 h, 1 day, and one all-time bucket.</summary>
    private static readonly long[] Granularities = [1_000, 60_000, 3_600_000, 86_400_000, 0];

    /// <summary>The series a window is counted in: at most ~60 buckets per window.</summary>
    public static int SeriesOf(RollingWindow window) => window switch
    {
        RollingWindow.Minute => 0,
        RollingWindow.Hour => 1,
        RollingWindow.Day => 2,
        RollingWindow.Week or RollingWindow.Month => 3,
        _ => 4,
    };

    public static string Scope(LimitScope per, CallIdentity who) => per == LimitScope.Agent ? $"agent:{who.Agent}" : $"role:{who.Role}";

    /// <summary>Usage of one window at <paramref name="nowMs"/>.</summary>
    public static Task<long> SumAsync(SqliteConnection connection, IDbTransaction? tx, string scope, string kind, string currency, RollingWindow window, long nowMs, CancellationToken ct)
    {
        var series = SeriesOf(window);
        var granularity = Granularities[series];
        var from = window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds - granularity : long.MinValue;
        return connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(SUM(amount), 0) FROM usage_bucket WHERE scope = @scope AND kind = @kind AND currency = @currency " +
            "AND granularity_ms = @granularity AND bucket_ms > @from",
            new { scope, kind, currency, granularity, from }, tx, cancellationToken: ct));
    }

    /// <summary>The start of the oldest non-empty bucket of a window, for "retry after".</summary>
    public static Task<long?> OldestAsync(SqliteConnection connection, IDbTransaction? tx, string scope, string kind, RollingWindow window, long nowMs, CancellationToken ct)
    {
        var granularity = Granularities[SeriesOf(window)];
        var from = window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds - granularity : long.MinValue;
        return connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MIN(bucket_ms) FROM usage_bucket WHERE scope = @scope AND kind = @kind AND currency = '' AND granularity_ms = @granularity " +
            "AND bucket_ms > @from AND amount > 0",
            new { scope, kind, granularity, from }, tx, cancellationToken: ct));
    }

    /// <summary>How long a window's oldest bucket stays in it.</summary>
    public static long BucketLength(RollingWindow window) => Granularities[SeriesOf(window)];

    /// <summary>Adds <paramref name="delta"/> at <paramref name="atMs"/> to every series in <paramref name="mask"/>.</summary>
    public static async Task AddAsync(SqliteConnection connection, IDbTransaction tx, string scope, string kind, string currency, int mask, long atMs, long delta, CancellationToken ct)
    {
        for (var series = 0; series < Granularities.Length; series++)
        {
            if ((mask & (1 << series)) == 0)
            {
                continue;
            }

            var granularity = Granularities[series];
            var bucket = granularity == 0 ? 0 : atMs / granularity * granularity;
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO usage_bucket (scope, kind, currency, granularity_ms, bucket_ms, amount) VALUES (@scope, @kind, @currency, @granularity, @bucket, @delta) " +
                "ON CONFLICT (scope, kind, currency, granularity_ms, bucket_ms) DO UPDATE SET amount = amount + excluded.amount",
                new { scope, kind, currency, granularity, bucket, delta }, tx, cancellationToken: ct));
        }
    }

    /// <summary>Drops buckets that no window can reach any more (every series is kept a little over its longest window).</summary>
    public static Task PruneAsync(SqliteConnection connection, IDbTransaction tx, long nowMs, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM usage_bucket WHERE (granularity_ms = 1000 AND bucket_ms < @minute) OR (granularity_ms = 60000 AND bucket_ms < @hour) " +
            "OR (granularity_ms IN (3600000, 86400000) AND bucket_ms < @month)",
            new { minute = nowMs - 180_000, hour = nowMs - 3 * 3_600_000, month = nowMs - 32L * 86_400_000 }, tx, cancellationToken: ct));
}

/// <summary>
/// Holds, settlements and releases of money: the per-call <c>spend</c> row and the usage buckets move together, in
/// the caller's transaction, so a budget check always sees every hold.
/// </summary>
internal static class SpendBook
{
    /// <summary>The bucket series a hold is added to, per scope: those of the budgets in its currency (all if none).</summary>
    public static (int AgentMask, int RoleMask) Masks(IEnumerable<Budget> budgets, string currency)
    {
        int agent = 0, role = 0;
        foreach (var budget in budgets.Where(b => b.Limit.Currency.Code == currency))
        {
            var bit = 1 << UsageBuckets.SeriesOf(budget.Window);
            if (budget.Per == LimitScope.Agent)
            {
                agent |= bit;
            }
            else
            {
                role |= bit;
            }
        }

        // The day series always: `spend` and `agents` report the last 24 h whatever the budgets are.
        return (agent | 1 << 2, role | 1 << 2);
    }

    public static async Task HoldAsync(SqliteConnection connection, IDbTransaction tx, string callId, CallIdentity who, string currency, long amount,
        IEnumerable<Budget> budgets, long nowMs, CancellationToken ct)
    {
        var (agentMask, roleMask) = Masks(budgets, currency);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO spend (call_id, agent, role, currency, amount_minor, state, at_ms, agent_mask, role_mask) " +
            "VALUES (@callId, @Agent, @Role, @currency, @amount, 'held', @nowMs, @agentMask, @roleMask)",
            new { callId, who.Agent, who.Role, currency, amount, nowMs, agentMask, roleMask }, tx, cancellationToken: ct));
        await AddAsync(connection, tx, who, currency, agentMask, roleMask, nowMs, amount, ct);
    }

    /// <summary>Replaces a hold with the money actually moved (null: the amount held), and marks it settled.</summary>
    public static async Task SettleAsync(SqliteConnection connection, IDbTransaction tx, string callId, long? moved, CancellationToken ct)
    {
        if (await RowAsync(connection, tx, callId, ct) is not { } row)
        {
            return;
        }

        var amount = moved ?? row.AmountMinor;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE spend SET amount_minor = @amount, state = 'settled' WHERE call_id = @callId", new { amount, callId }, tx, cancellationToken: ct));
        if (amount != row.AmountMinor)
        {
            await AddAsync(connection, tx, new CallIdentity(row.Agent, row.Role), row.Currency, row.AgentMask, row.RoleMask, row.AtMs, amount - row.AmountMinor, ct);
        }
    }

    /// <summary>Releases a hold: nothing moved.</summary>
    public static async Task ReleaseAsync(SqliteConnection connection, IDbTransaction tx, string callId, CancellationToken ct)
    {
        if (await RowAsync(connection, tx, callId, ct) is not { } row)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM spend WHERE call_id = @callId", new { callId }, tx, cancellationToken: ct));
        await AddAsync(connection, tx, new CallIdentity(row.Agent, row.Role), row.Currency, row.AgentMask, row.RoleMask, row.AtMs, -row.AmountMinor, ct);
    }

    private static async Task AddAsync(SqliteConnection connection, IDbTransaction tx, CallIdentity who, string currency, int agentMask, int roleMask, long atMs, long delta, CancellationToken ct)
    {
        await UsageBuckets.AddAsync(connection, tx, $"agent:{who.Agent}", UsageBuckets.Spend, currency, agentMask, atMs, delta, ct);
        await UsageBuckets.AddAsync(connection, tx, $"role:{who.Role}", UsageBuckets.Spend, currency, roleMask, atMs, delta, ct);
    }

    private static Task<SpendRow?> RowAsync(SqliteConnection connection, IDbTransaction tx, string callId, CancellationToken ct) =>
        connection.QueryFirstOrDefaultAsync<SpendRow>(new CommandDefinition(
            "SELECT agent AS Agent, role AS Role, currency AS Currency, amount_minor AS AmountMinor, at_ms AS AtMs, agent_mask AS AgentMask, role_mask AS RoleMask " +
            "FROM spend WHERE call_id = @callId", new { callId }, tx, cancellationToken: ct));

    private sealed class SpendRow
    {
        public string Agent { get; init; } = "";
        public string Role { get; init; } = "";
        public string Currency { get; init; } = "";
        public long AmountMinor { get; init; }
        public long AtMs { get; init; }
        public int AgentMask { get; init; }
        public int RoleMask { get; init; }
    }
}
