using Keybrake.Mcp.Ledger.Storage;
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
    public static long Sum(SqliteConnection connection, string scope, string kind, string currency, RollingWindow window, long nowMs)
    {
        var granularity = Granularities[SeriesOf(window)];
        return connection.ExecInt64("SELECT COALESCE(SUM(amount), 0) FROM usage_bucket WHERE scope = @scope AND kind = @kind AND currency = @currency " +
            "AND granularity_ms = @granularity AND bucket_ms > @from",
            ("@scope", scope), ("@kind", kind), ("@currency", currency), ("@granularity", granularity), ("@from", WindowFrom(window, granularity, nowMs)));
    }

    /// <summary>The start of the oldest non-empty bucket of a window, for "retry after".</summary>
    public static long? Oldest(SqliteConnection connection, string scope, string kind, RollingWindow window, long nowMs)
    {
        var granularity = Granularities[SeriesOf(window)];
        return connection.ExecNullableInt64("SELECT MIN(bucket_ms) FROM usage_bucket WHERE scope = @scope AND kind = @kind AND currency = '' AND granularity_ms = @granularity " +
            "AND bucket_ms > @from AND amount > 0",
            ("@scope", scope), ("@kind", kind), ("@granularity", granularity), ("@from", WindowFrom(window, granularity, nowMs)));
    }

    private static long WindowFrom(RollingWindow window, long granularity, long nowMs) =>
        window.Length() is { } length ? nowMs - (long)length.TotalMilliseconds - granularity : long.MinValue;

    /// <summary>How long a window's oldest bucket stays in it.</summary>
    public static long BucketLength(RollingWindow window) => Granularities[SeriesOf(window)];

    /// <summary>Adds <paramref name="delta"/> at <paramref name="atMs"/> to every series in <paramref name="mask"/>.</summary>
    public static void Add(SqliteConnection connection, string scope, string kind, string currency, int mask, long atMs, long delta)
    {
        for (var series = 0; series < Granularities.Length; series++)
        {
            if ((mask & (1 << series)) == 0)
            {
                continue;
            }

            var granularity = Granularities[series];
            var bucket = granularity == 0 ? 0 : atMs / granularity * granularity;
            connection.Exec(
                "INSERT INTO usage_bucket (scope, kind, currency, granularity_ms, bucket_ms, amount) VALUES (@scope, @kind, @currency, @granularity, @bucket, @delta) " +
                "ON CONFLICT (scope, kind, currency, granularity_ms, bucket_ms) DO UPDATE SET amount = amount + excluded.amount",
                ("@scope", scope), ("@kind", kind), ("@currency", currency), ("@granularity", granularity), ("@bucket", bucket), ("@delta", delta));
        }
    }

    /// <summary>Drops buckets that no window can reach any more (every series is kept a little over its longest window).</summary>
    public static void Prune(SqliteConnection connection, long nowMs) =>
        connection.Exec(
            "DELETE FROM usage_bucket WHERE (granularity_ms = 1000 AND bucket_ms < @minute) OR (granularity_ms = 60000 AND bucket_ms < @hour) " +
            "OR (granularity_ms IN (3600000, 86400000) AND bucket_ms < @month)",
            ("@minute", nowMs - 180_000), ("@hour", nowMs - 3 * 3_600_000), ("@month", nowMs - 32L * 86_400_000));
}

/// <summary>
/// Holds, settlements and releases of money: the per-call <c>spend</c> row (while held) and the usage buckets move
/// together, in the caller's transaction, so a budget check always sees every hold.
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

    public static void Hold(SqliteConnection connection, string callId, CallIdentity who, string currency, long amount,
        IEnumerable<Budget> budgets, long nowMs)
    {
        var (agentMask, roleMask) = Masks(budgets, currency);
        connection.Exec("INSERT INTO spend (call_id, agent, role, currency, amount_minor, at_ms, agent_mask, role_mask) " +
            "VALUES (@callId, @agent, @role, @currency, @amount, @now, @agentMask, @roleMask)",
            ("@callId", callId), ("@agent", who.Agent), ("@role", who.Role), ("@currency", currency), ("@amount", amount), ("@now", nowMs),
            ("@agentMask", agentMask), ("@roleMask", roleMask));
        Add(connection, who, currency, agentMask, roleMask, nowMs, amount);
    }

    /// <summary>
    /// Replaces a hold with the money actually moved (null: the amount held) in the usage buckets, and drops the hold:
    /// from here on the buckets and the audit row carry the amount, and the spend table only ever holds what is held.
    /// </summary>
    public static void Settle(SqliteConnection connection, string callId, long? moved)
    {
        if (Row(connection, callId) is not { } row)
        {
            return;
        }

        var amount = moved ?? row.AmountMinor;
        connection.Exec("DELETE FROM spend WHERE call_id = @callId", ("@callId", callId));
        if (amount != row.AmountMinor)
        {
            Add(connection, new CallIdentity(row.Agent, row.Role), row.Currency, row.AgentMask, row.RoleMask, row.AtMs, amount - row.AmountMinor);
        }
    }

    /// <summary>Releases a hold: nothing moved.</summary>
    public static void Release(SqliteConnection connection, string callId) => Settle(connection, callId, moved: 0);

    private static void Add(SqliteConnection connection, CallIdentity who, string currency, int agentMask, int roleMask, long atMs, long delta)
    {
        UsageBuckets.Add(connection, $"agent:{who.Agent}", UsageBuckets.Spend, currency, agentMask, atMs, delta);
        UsageBuckets.Add(connection, $"role:{who.Role}", UsageBuckets.Spend, currency, roleMask, atMs, delta);
    }

    private static SpendRow? Row(SqliteConnection connection, string callId) =>
        connection.ReadFirst("SELECT agent, role, currency, amount_minor, at_ms, agent_mask, role_mask FROM spend WHERE call_id = @callId",
            r => new SpendRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt32(5), r.GetInt32(6)),
            ("@callId", callId));

    private sealed record SpendRow(string Agent, string Role, string Currency, long AmountMinor, long AtMs, int AgentMask, int RoleMask);
}
